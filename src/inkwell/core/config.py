"""Settings, read once from the environment and an optional `.env` file."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}


class Settings(BaseSettings):
    """Every knob of the service; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite+aiosqlite:///./inkwell.db"
    db_pool_size: int = Field(default=10, ge=1, le=1000)
    db_max_overflow: int = Field(default=10, ge=0, le=1000)
    db_pool_timeout: float = Field(default=10.0, gt=0, le=600)
    db_pool_pre_ping: bool = True
    db_echo: bool = False
    sqlite_busy_timeout: float = Field(default=15.0, gt=0, le=600)
    argon2_time_cost: int = Field(default=3, ge=1, le=20)
    argon2_memory_kib: int = Field(default=65536, ge=1024, le=4194304)
    argon2_parallelism: int = Field(default=4, ge=1, le=64)

    @field_validator("database_url")
    @classmethod
    def _normalise_driver(cls, url: str) -> str:
        """Accept `postgres://`, `postgresql://` and `sqlite://`; pin the async drivers."""
        scheme, sep, rest = url.partition("://")
        if not sep or scheme not in _DRIVERS:
            raise ValueError(
                "must start with postgresql+asyncpg:// (or postgresql://) or sqlite+aiosqlite://"
            )
        return f"{_DRIVERS[scheme]}://{rest}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
