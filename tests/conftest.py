"""Fixtures: a migrated database (SQLite, or PostgreSQL with TEST_DATABASE_URL), the Bot API
emulator on loopback, and the product itself served over HTTP in a background thread."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session, SQLModel

from core.settings import Settings
from emulator import BotApiState, EmulatorServer
from models import migrate
from models.db import replace_dead_connections, sync_url
from tests import loopback
from tests.pretend import PretendClient, make_pretend
from tests.support import PlaygroundServer, Product, ServeProcess, free_port
from tests.telegram import MiniApp, Person, Webhook

WEBHOOK_SECRET = "test-webhook-secret"

# Hypothesis checks what code does, not how fast: with four workers on two cores one example
# can wait for a core far longer than its default 200 ms deadline, so the deadline is off.
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")

# python-telegram-bot 22 warns about its old duration type unless told to use timedelta;
# warnings are errors in this suite.
os.environ.setdefault("PTB_TIMEDELTA", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` need TEST_DATABASE_URL; elsewhere they are skipped, visibly."""
    if _postgres_url() is None:
        skip = pytest.mark.skip(reason="set TEST_DATABASE_URL to a PostgreSQL database")
        for item in items:
            if item.get_closest_marker("postgres"):
                item.add_marker(skip)


def _postgres_url() -> URL | None:
    configured = os.environ.get("TEST_DATABASE_URL")
    if not configured:
        return None
    url = make_url(configured)
    return url if url.get_backend_name() == "postgresql" else None


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> URL:
    """The database of this run, emptied and migrated to the newest schema once."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        url = database_of_this_worker(make_url(configured))
        reset_schema(url)
    else:
        url = make_url(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}")
    migrate.upgrade(url)
    return url


def database_of_this_worker(url: URL) -> URL:
    """With pytest-xdist, each worker gets a PostgreSQL database of its own, made on first use.

    Workers empty tables between tests, so sharing one database would let them empty each
    other's rows mid-test.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None or url.get_backend_name() != "postgresql":
        return url
    own = url.set(database=f"{url.database}_{worker}")
    engine = create_engine(sync_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
        ).first()
        if exists is None:
            connection.execute(text(f'CREATE DATABASE "{own.database}"'))
        # A test database need not survive a crash of PostgreSQL itself (the restart test
        # runs a cluster of its own), so its commits do not wait for the disk.
        connection.execute(text(f'ALTER DATABASE "{own.database}" SET synchronous_commit = off'))
    engine.dispose()
    return own


def reset_schema(url: URL) -> None:
    """Start PostgreSQL runs from an empty schema, whatever an earlier run left."""
    if url.get_backend_name() != "postgresql":
        Path(url.database or "").unlink(missing_ok=True)
        return
    engine = create_engine(sync_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def db_engine(database_url: URL) -> Iterator[Engine]:
    engine = create_engine(sync_url(database_url))
    replace_dead_connections(engine)  # survives a restart, with no ping per checkout
    yield engine
    engine.dispose()


@pytest.fixture
def clean_database(db_engine: Engine, database_url: URL) -> URL:
    """No test sees another's rows. DELETE, not TRUNCATE: on PostgreSQL a TRUNCATE of every
    table costs some 300 ms, deleting the few rows one test leaves some 20 ms. Ids are not
    restarted, so no test may count on them."""
    with db_engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())
    return database_url


@pytest.fixture
def db(db_engine: Engine, clean_database: URL) -> Iterator[Session]:
    """A session for asserting on what the product stored."""
    with Session(db_engine) as session:
        yield session


@pytest.fixture(scope="session")
def bot_api_server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def bot_api(bot_api_server: EmulatorServer) -> BotApiState:
    bot_api_server.state.reset()
    return bot_api_server.state


@pytest.fixture
def make_settings(
    clean_database: URL, bot_api_server: EmulatorServer, tmp_path: Path
) -> Callable[..., Settings]:
    """Settings for a product run against the emulator; keywords override any of them."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "bot_token": bot_api_server.token,
            "telegram_api_base_url": bot_api_server.base_url,
            "telegram_file_base_url": bot_api_server.base_file_url,
            "webhook_secret": WEBHOOK_SECRET,
            "database_url": clean_database.render_as_string(hide_password=False),
            "data_dir": tmp_path / "data",
            "outbox_chat_interval_seconds": 0.0,
            "worker_niceness": 0,  # niced, a worker process would wait on the suite's own
            **overrides,
        }
        return Settings(_env_file=None, **values)

    return build


@pytest.fixture
def settings(make_settings: Callable[..., Settings], request: pytest.FixtureRequest) -> Settings:
    """The product's settings; a test changes some with `@pytest.mark.settings(name=value)`."""
    marker = request.node.get_closest_marker("settings")
    return make_settings(**(marker.kwargs if marker else {}))


@pytest.fixture
def product(settings: Settings, bot_api: BotApiState) -> Iterator[Product]:
    running = Product(settings)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def webhook(product: Product, db_engine: Engine) -> Iterator[Webhook]:
    hook = Webhook(product.url, WEBHOOK_SECRET, db_engine)
    yield hook
    hook.close()


@pytest.fixture
def people(webhook: Webhook, bot_api: BotApiState) -> Callable[..., Person]:
    """Make a pretend Telegram user: `people("Alice", username="alice")`."""

    def make(first_name: str, **profile: Any) -> Person:
        return Person(webhook=webhook, bot_api=bot_api, first_name=first_name, **profile)

    return make


@pytest.fixture
def alice(people: Callable[..., Person]) -> Person:
    return people("Alice", username="alice_w")


@pytest.fixture
def bob(people: Callable[..., Person]) -> Person:
    return people("Bob", username="bob_k")


@pytest.fixture
def serve_process(settings: Settings, bot_api: BotApiState) -> Iterator[ServeProcess]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    process = ServeProcess(settings, free_port())
    yield process
    process.stop()


@pytest.fixture
def mini_app(product: Product, settings: Settings) -> Iterator[Callable[[Person], MiniApp]]:
    """`mini_app(alice)`: the API as Alice's mini app calls it, with her signed init data."""
    opened: list[MiniApp] = []

    def open_for(person: Person) -> MiniApp:
        app = MiniApp(product.url, person, settings.token or "")
        opened.append(app)
        return app

    yield open_for
    for app in opened:
        app.close()


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlaygroundServer]:
    """The product in playground mode, on its embedded defaults, for one test module."""
    server = PlaygroundServer(tmp_path_factory.mktemp("playground"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pretend(playground: PlaygroundServer) -> Iterator[Callable[[str], PretendClient]]:
    """`pretend("Carol")`: a new pretend user in the running playground."""
    with httpx.Client(base_url=playground.url, timeout=30, verify=loopback.TLS) as http:
        yield make_pretend(http)
