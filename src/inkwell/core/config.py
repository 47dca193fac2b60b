"""Settings, read once from the environment and an optional `.env` file."""

from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# A placeholder that works out of the box in development and is refused in production.
DEFAULT_JWT_SECRET = "change-me-development-only-secret-0123456789"  # noqa: S105

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
    # Overflow connections are closed as soon as they are returned: under steady load
    # above the pool size each request would open (and PostgreSQL fork) a connection.
    # So the whole budget is the pool, kept open; overflow is for operators who want it.
    db_pool_size: int = Field(default=20, ge=1, le=1000)
    db_max_overflow: int = Field(default=0, ge=0, le=1000)
    db_pool_timeout: float = Field(default=10.0, gt=0, le=600)
    db_pool_pre_ping: bool = False
    db_echo: bool = False
    db_connect_timeout: float = Field(default=5.0, gt=0, le=120)
    db_statement_timeout_ms: int = Field(default=10_000, ge=0, le=3_600_000)
    db_pgbouncer: bool = False
    sqlite_busy_timeout: float = Field(default=15.0, gt=0, le=600)
    # OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane); a hash holds its memory
    # while it runs, so at most `password_hash_concurrency` run at once per worker.
    argon2_time_cost: int = Field(default=2, ge=1, le=20)
    argon2_memory_kib: int = Field(default=19456, ge=1024, le=4194304)
    argon2_parallelism: int = Field(default=1, ge=1, le=64)
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)
    # Hashes that may wait for a slot; past them the answer is 503 with Retry-After,
    # not an ever longer wait for every login and registration behind them.
    password_hash_queue: int = Field(default=64, ge=0, le=10_000)
    jwt_secret: SecretStr = SecretStr(DEFAULT_JWT_SECRET)
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_token_minutes: int = Field(default=30, ge=1, le=24 * 60)
    starting_credits: Decimal = Field(
        default=Decimal("100.00"), ge=0, le=1_000_000, decimal_places=2
    )
    idempotency_ttl_hours: int = Field(default=24, ge=1, le=24 * 30)
    login_max_failures_per_account: int = Field(default=5, ge=1, le=1000)
    login_max_failures_per_address: int = Field(default=50, ge=1, le=100_000)
    login_window_seconds: int = Field(default=900, ge=1, le=86_400)
    # Every password change makes the service hash: per account, at most this many.
    password_change_max_per_account: int = Field(default=5, ge=1, le=1000)
    password_change_window_seconds: int = Field(default=3600, ge=1, le=7 * 86_400)
    # Every registration is granted STARTING_CREDITS: without a limit, a script could
    # mint any amount through throwaway accounts and transfers.
    register_max_per_address: int = Field(default=10, ge=1, le=1_000_000)
    register_window_seconds: int = Field(default=3600, ge=1, le=7 * 86_400)
    # The address throttles count an IPv6 client by its network of this many bits: one
    # host is commonly given a whole /64, and could otherwise pick a fresh address for
    # every attempt. /32 (an ISP's allocation) at the widest, /128 (each address alone).
    throttle_ipv6_prefix: int = Field(default=64, ge=32, le=128)
    # Comments one account may write per window: each one is stored and shown to every
    # reader of the post, so one script could otherwise flood a post without end.
    comment_max_per_account: int = Field(default=30, ge=1, le=1_000_000)
    comment_window_seconds: int = Field(default=600, ge=1, le=7 * 86_400)
    # E-mail changes one account may try per window, taken addresses included: the answer
    # says whether another account holds the address.
    email_change_max_per_account: int = Field(default=5, ge=1, le=1_000_000)
    email_change_window_seconds: int = Field(default=3600, ge=1, le=7 * 86_400)
    # Peers whose X-Forwarded-For is believed (uvicorn's setting): comma-separated
    # addresses or networks, `*` for any. Anyone else could pick their throttled address.
    forwarded_allow_ips: str = "127.0.0.1"
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=100 * 1_048_576)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Streaming replicas of the primary that serve reads (comma-separated URLs, PostgreSQL
    # only): anonymous reads go to one at most REPLICA_MAX_LAG_SECONDS behind, reads that
    # must see a write (a signed-in caller's, or one sent an X-Consistency-Token) to a
    # replica that has replayed it or to the primary. README: "Scaling out".
    database_replica_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    replica_max_lag_seconds: float = Field(default=5.0, gt=0, le=3600)
    # How often each instance asks each replica where it is.
    replica_check_seconds: float = Field(default=0.5, ge=0.05, le=60)
    log_format: Literal["json", "console"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    access_log: bool = False
    ready_timeout: float = Field(default=2.0, gt=0, le=60)
    # Server-Timing shows each request's DB time and statement count, and so whether
    # others' reads had already filled the cache: a diagnosis tool, not for strangers.
    server_timing: bool = False
    # With a token, /metrics wants `Authorization: Bearer <token>`. Without one it is open
    # outside production; in production only with METRICS_PUBLIC=true (the network keeps
    # it private), else 403: route names, error rates and pool use are not for the public.
    metrics_token: SecretStr | None = None
    metrics_public: bool = False
    # Expired idempotency keys and throttle hits are deleted this often (one instance at
    # a time on PostgreSQL); 0 leaves it to `inkwell purge`.
    purge_interval_seconds: float = Field(default=3600.0, ge=0, le=7 * 86_400)
    gc_freeze: bool = True
    # Serialized documents kept per process, in slots of 1 KiB (a typical post or user
    # takes one; core/cache.py): at most ~30 MiB with the default. 0 turns caching off.
    read_cache_entries: int = Field(default=20_000, ge=0, le=10_000_000)
    # Rebuild every cached document a read uses through the ORM and fail (500) on any
    # difference: for tests and diagnosis, at the cost of the cache's whole benefit.
    read_cache_verify: bool = False

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

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """`CORS_ORIGINS=https://a.example,https://b.example` (empty: CORS closed)."""
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("database_replica_urls", mode="before")
    @classmethod
    def _split_replicas(cls, value: object) -> object:
        """`DATABASE_REPLICA_URLS=postgresql://r1/db,postgresql://r2/db` (empty: none)."""
        if isinstance(value, str):
            value = [url.strip() for url in value.split(",") if url.strip()]
        if isinstance(value, list):
            return [cls._normalise_driver(url) for url in value]
        return value

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        """`METRICS_TOKEN=` (as .env.example has it) means no token, not an empty one."""
        if value == "" or (isinstance(value, SecretStr) and not value.get_secret_value()):
            return None
        return value

    @field_validator("metrics_token")
    @classmethod
    def _long_token(cls, token: SecretStr | None) -> SecretStr | None:
        # /metrics counts no failures: the token's length is its only defence.
        if token is not None and len(token.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (e.g. `openssl rand -hex 32`)")
        return token

    @model_validator(mode="after")
    def _one_way_to_open_metrics(self) -> "Settings":
        if self.metrics_token is not None and self.metrics_public:
            raise ValueError(
                "METRICS_PUBLIC=true and METRICS_TOKEN contradict each other: set one of them"
            )
        return self

    @model_validator(mode="after")
    def _replicas_of_postgresql(self) -> "Settings":
        urls = [self.database_url, *self.database_replica_urls]
        if self.database_replica_urls and any(url.startswith("sqlite") for url in urls):
            raise ValueError("DATABASE_REPLICA_URLS are replicas of a PostgreSQL primary")
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> "Settings":
        secret = self.jwt_secret.get_secret_value()
        if self.environment == "production" and (secret == DEFAULT_JWT_SECRET or len(secret) < 32):
            raise ValueError(
                "JWT_SECRET must be set to a random value of at least 32 characters "
                "when ENVIRONMENT=production (e.g. `openssl rand -hex 32`)"
            )
        return self

    @property
    def metrics_open(self) -> bool:
        """Whether /metrics answers without a token."""
        return self.metrics_token is None and (
            self.metrics_public or self.environment != "production"
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
