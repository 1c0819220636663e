"""Settings: defaults that run the product as it is, and refusals that name the variable."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from confessions.runtime import build_web_app
from core.settings import Settings


def settings_from(**environment: str) -> Settings:
    return Settings(_env_file=None, **environment)  # type: ignore[arg-type]


def test_the_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path: Path) -> None:
    settings = settings_from(data_dir=str(tmp_path))

    assert settings.database.get_backend_name() == "sqlite"
    assert settings.database.database == str(tmp_path.resolve() / "confessions.sqlite3")


def test_postgresql_urls_use_psycopg_3() -> None:
    settings = settings_from(database_url="postgresql://postgres@127.0.0.1/test")

    assert settings.database.drivername == "postgresql+psycopg"


@pytest.mark.parametrize(
    "url", ["nonsense", "mysql://root@localhost/db", "postgresql+asyncpg://x/y"]
)
def test_an_unusable_database_url_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="database_url"):
        settings_from(database_url=url)


def test_a_connection_budget_too_small_for_the_pools_is_refused() -> None:
    with pytest.raises(ValidationError, match="database_max_connections"):
        settings_from(database_max_connections="3")


def test_the_connection_budget_reaches_the_process_database(tmp_path: Path) -> None:
    settings = settings_from(data_dir=str(tmp_path), database_max_connections="8")

    app = build_web_app(settings)

    assert app.state.database.max_connections == 8


def test_the_webhook_secret_is_derived_from_the_token_when_not_set() -> None:
    first = settings_from(bot_token="1:abc").effective_webhook_secret
    other = settings_from(bot_token="1:abd").effective_webhook_secret

    assert first
    assert first != other
    assert first.replace("-", "").replace("_", "").isalnum()


def test_the_file_url_follows_the_api_url() -> None:
    settings = settings_from(telegram_api_base_url="http://127.0.0.1:8081/bot")

    assert settings.file_base_url == "http://127.0.0.1:8081/file/bot"


def run_cli(*arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "confessions", *arguments],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **environment},
        timeout=60,
        check=False,
    )


def test_a_malformed_database_url_stops_start_up_with_one_line_and_status_2() -> None:
    result = run_cli("serve", DATABASE_URL="not a url")

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "confessions: configuration error: DATABASE_URL: not a database URL; "
        "expected sqlite:///path or postgresql+psycopg://user@host/db"
    ]


def test_a_malformed_number_names_its_variable() -> None:
    result = run_cli("migrate", CONFESSION_MAX_LENGTH="lots")

    assert result.returncode == 2
    assert "CONFESSION_MAX_LENGTH" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_creates_the_embedded_database(tmp_path: Path) -> None:
    result = run_cli("migrate", DATA_DIR=str(tmp_path / "data"))

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "confessions.sqlite3").exists()


ENV_EXAMPLE = Path(__file__).parent.parent / ".env.example"


def test_env_example_lists_every_setting() -> None:
    listed = {
        line.split("=", 1)[0]
        for line in ENV_EXAMPLE.read_text().splitlines()
        if re.match(r"^[A-Z0-9_]+=", line)
    }

    assert {name.upper() for name in Settings.model_fields} <= listed


def test_env_example_as_it_is_gives_the_defaults() -> None:
    from_example = Settings(_env_file=ENV_EXAMPLE)

    assert from_example == settings_from()
