"""Every setting of the product, read once from the environment and `.env`."""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

SUPPORTED_DATABASES = ("sqlite", "postgresql")


class Settings(BaseSettings):
    """Configuration; names are a public contract (see `.env.example`)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="ignore", frozen=True
    )

    bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_file_base_url: str | None = None
    webhook_secret: SecretStr | None = None
    public_url: AnyHttpUrl | None = None

    data_dir: Path = Path("data")
    database_url: str | None = None
    database_max_connections: int = Field(default=32, ge=4)
    """The most connections one process opens to PostgreSQL (a quarter for each of its
    pools): a `serve` and a `worker` take 64 of PostgreSQL's 100 on the defaults."""

    media_backend: Literal["local", "s3"] = "local"
    s3_endpoint_url: AnyHttpUrl | None = None
    s3_bucket: str = "confessions"
    s3_region: str = "us-east-1"
    s3_path_style: bool = True
    s3_create_bucket: bool = False

    confession_max_length: int = Field(default=1000, ge=1, le=4000)
    hint_max_length: int = Field(default=120, ge=1, le=500)
    media_max_image_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    media_max_video_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    media_quota_bytes: int = Field(default=200 * 1024 * 1024, ge=0)
    media_url_ttl_seconds: int = Field(default=3600, ge=1)
    media_upload_ttl_seconds: int = Field(default=900, ge=1)
    media_signing_key: SecretStr | None = None
    identity_key: SecretStr | None = None
    init_data_max_age_seconds: int = Field(default=24 * 3600, ge=1)
    confessions_per_day: int = Field(default=10, ge=1)
    replies_per_minute: int = Field(default=10, ge=1)
    confession_expiry_days: int = Field(default=30, ge=1)
    api_requests_per_minute: int = Field(default=120, ge=1)
    bot_updates_per_minute: int = Field(default=60, ge=1)
    operator_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

    # limits per pair, and the operator's word list
    confessions_per_recipient_per_day: int = Field(default=3, ge=1)
    operator_wordlist_dir: Path | None = None

    reaction_notice_window_seconds: float = Field(default=5.0, ge=0, le=300)
    """How long a reaction's notice waits for the recipient to change their mind: one notice,
    with their final choice, however often they change it meanwhile."""
    outbox_rate_per_second: float = Field(default=30.0, gt=0)
    outbox_chat_interval_seconds: float = Field(default=1.0, ge=0)
    outbox_give_up_after_seconds: int = Field(default=24 * 3600, ge=1)
    outbox_lease_seconds: int = Field(default=30, ge=1)
    outbox_kept_days: int = Field(default=7, ge=1)
    inbox_lease_seconds: int = Field(default=30, ge=1)

    playground: bool = True
    background_work: bool = True
    worker_niceness: int = Field(default=10, ge=0, le=19)
    """How much `confessions worker` lowers its own CPU priority (as `nice` does): on a
    machine it shares with the serve process, Telegram's webhook is answered first and the
    handling takes the CPU left over, catching up from the inbox where every acknowledged
    update is stored. Telegram waits on the acknowledgement, and slows its deliveries when it
    is slow; nobody waits on a handled update a few milliseconds later. 0 leaves it as is."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    metrics_token: SecretStr | None = None
    shutdown_timeout_seconds: float = Field(default=10.0, gt=0)

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "not a database URL; expected sqlite:///path or postgresql+psycopg://user@host/db"
            ) from None
        if url.get_backend_name() not in SUPPORTED_DATABASES:
            raise ValueError(
                f"unsupported database {url.get_backend_name()!r}; use sqlite or postgresql"
            )
        if url.get_backend_name() == "postgresql" and url.get_driver_name() not in ("psycopg", ""):
            raise ValueError("PostgreSQL is reached through psycopg 3: postgresql+psycopg://...")
        return value

    @field_validator("operator_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", "").split(",") if part]
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _http_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> Settings:
        if self.media_backend == "s3" and not self.s3_bucket:
            raise ValueError("MEDIA_BACKEND=s3 needs S3_BUCKET")
        return self

    @cached_property
    def database(self) -> URL:
        """The database URL, defaulting to a SQLite file under the data folder."""
        if self.database_url:
            url = make_url(self.database_url)
            if url.get_backend_name() == "postgresql":
                return url.set(drivername="postgresql+psycopg")
            return url
        return make_url(f"sqlite:///{(self.data_dir / 'confessions.sqlite3').resolve()}")

    @property
    def is_embedded_database(self) -> bool:
        return self.database.get_backend_name() == "sqlite"

    @property
    def token(self) -> str | None:
        return self.bot_token.get_secret_value() if self.bot_token else None

    @property
    def file_base_url(self) -> str:
        """Where files are downloaded from; Telegram's own layout unless told otherwise."""
        if self.telegram_file_base_url:
            return self.telegram_file_base_url
        return self.telegram_api_base_url.removesuffix("/bot") + "/file/bot"

    @cached_property
    def effective_webhook_secret(self) -> str | None:
        """The webhook secret; derived from the token so operators need not invent one."""
        if self.webhook_secret:
            return self.webhook_secret.get_secret_value()
        if self.token is None:
            return None
        return hashlib.sha256(b"confessions-webhook:" + self.token.encode()).hexdigest()[:48]

    @property
    def mini_app_url(self) -> str | None:
        if self.public_url is None:
            return None
        return str(self.public_url).rstrip("/") + "/app/"
