"""Settings: documented, defaulted, validated."""

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from inkwell.core.config import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_env_example_lists_every_setting_with_its_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    documented = set(re.findall(r"^([A-Z0-9_]+)=", EXAMPLE.read_text(), re.M))
    assert documented == {name.upper() for name in Settings.model_fields}
    from_example = Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert from_example.model_dump() == defaults.model_dump()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:///./x.db", "sqlite+aiosqlite:///./x.db"),
    ],
)
def test_database_url_driver_is_normalised(given: str, expected: str) -> None:
    assert Settings(_env_file=None, database_url=given).database_url == expected  # type: ignore[call-arg]


def test_cors_origins_accept_a_comma_separated_list() -> None:
    settings = Settings(_env_file=None, cors_origins="https://a.example, https://b.example")  # type: ignore[call-arg]
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


@pytest.mark.parametrize(
    "bad",
    [
        {"database_url": "mysql://x"},
        {"db_pool_size": 0},
        {"log_format": "xml"},
        {"throttle_ipv6_prefix": 31},
        {"throttle_ipv6_prefix": 129},
    ],
)
def test_invalid_settings_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, **bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad",
    [
        {"metrics_token": "short"},
        {"metrics_token": "t" * 32, "metrics_public": True},
        {"purge_interval_seconds": -1},
    ],
)
def test_operations_settings_are_checked(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, **bad)  # type: ignore[arg-type]


def test_metrics_are_open_only_where_nothing_closes_them() -> None:
    def metrics_open(**given: object) -> bool:
        return Settings(_env_file=None, **given).metrics_open  # type: ignore[arg-type]

    production: dict[str, object] = {"environment": "production", "jwt_secret": "s" * 32}
    assert metrics_open()
    assert metrics_open(metrics_token="")  # METRICS_TOKEN= in .env: no token
    assert not metrics_open(metrics_token="t" * 32)
    assert not metrics_open(**production)
    assert metrics_open(**production, metrics_public=True)
    assert not metrics_open(**production, metrics_token="t" * 32)
    assert not Settings(_env_file=None, **production).server_timing  # type: ignore[arg-type]
