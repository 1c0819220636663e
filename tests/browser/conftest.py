"""The mini app in Debian's headless chromium, opened the way Telegram opens it.

Playwright runs once per session, in browser contexts in which every request leaving
loopback is refused, except telegram-web-app.js, which is answered from the copy
`make tests/.cache/telegram-web-app.js` fetched from npm. The page talks to the product
served on loopback by the `product` fixture, with init data signed by the bot's token.
Each test gets a tab as good as new (`Tabs`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Request,
    Route,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from bot import telegram_auth
from core.settings import Settings
from tests import factories
from tests.support import Product
from tests.telegram import Person
from webapp_api import i18n

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
TELEGRAM_JS = ROOT / "tests" / ".cache" / "telegram-web-app.js"
TELEGRAM_JS_URL = "https://telegram.org/js/telegram-web-app.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}

# Telegram's own colours (its web client), as it passes them in tgWebAppThemeParams.
LIGHT_THEME = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#707579",
    "link_color": "#3390ec",
    "button_color": "#3390ec",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#f4f4f5",
    "header_bg_color": "#ffffff",
    "accent_text_color": "#3390ec",
    "section_bg_color": "#ffffff",
    "section_header_text_color": "#3390ec",
    "subtitle_text_color": "#707579",
    "destructive_text_color": "#e53935",
}
DARK_THEME = {
    "bg_color": "#212121",
    "text_color": "#ffffff",
    "hint_color": "#aaaaaa",
    "link_color": "#8774e1",
    "button_color": "#8774e1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#0f0f0f",
    "header_bg_color": "#212121",
    "accent_text_color": "#8774e1",
    "section_bg_color": "#212121",
    "section_header_text_color": "#8774e1",
    "subtitle_text_color": "#aaaaaa",
    "destructive_text_color": "#ff595a",
}

# Telegram's Android client hands the page a TelegramWebviewProxy; this one records what the
# page asks of Telegram (ready, expand, the main button, haptics) so tests can look.
WEBVIEW_PROXY = """
window.__telegramEvents = [];
window.TelegramWebviewProxy = {
  postEvent: function (type, data) { window.__telegramEvents.push([type, data]); }
};
"""


@pytest.fixture(scope="session")
def telegram_js() -> bytes:
    """Telegram's script, served in place of telegram.org (the tests never go online)."""
    if not TELEGRAM_JS.is_file():
        pytest.skip(f"{TELEGRAM_JS} is missing: run `make tests/.cache/telegram-web-app.js`")
    return TELEGRAM_JS.read_bytes()


@pytest.fixture(scope="package")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's chromium; Playwright never downloads a browser of its own here."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    browser = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@dataclass
class Tabs:
    """Tabs kept open across one worker's tests, handed out as good as new.

    Opening a tab costs chromium some 0.9 s of CPU (a renderer process started, then torn
    down), a third of a whole browser test; navigating a tab it has costs none of that. Each
    test's product listens on a port of its own, so no two tests share an origin (nor its
    storage); a tab comes back on about:blank with its storage emptied and the routes a test
    added dropped. A tab a test left a handler on, or closed, is not handed out again."""

    browser: Browser
    telegram_js: bytes
    contexts: dict[str, BrowserContext] = field(default_factory=dict)
    idle: dict[str, list[Page]] = field(default_factory=dict)
    handlers: dict[Page, dict[str, int]] = field(default_factory=dict)

    def take(self, *, locale: str, viewport: dict[str, int], reduced_motion: bool) -> Page:
        idle = self.idle.setdefault(locale, [])
        page = idle.pop() if idle else self._open(locale)
        page.set_viewport_size(viewport)  # type: ignore[arg-type]
        page.emulate_media(reduced_motion="reduce" if reduced_motion else "no-preference")
        return page

    def give_back(self, page: Page, locale: str) -> None:
        if not page.is_closed() and self._reset(page):
            self.idle[locale].append(page)
            return
        self.handlers.pop(page, None)
        page.close()

    def _reset(self, page: Page) -> bool:
        """Back on about:blank with nothing of the last test's left on it, or False."""
        try:
            page.unroute_all(behavior="ignoreErrors")
            page.evaluate("() => { try { localStorage.clear(); sessionStorage.clear() } catch {} }")
            page.goto("about:blank")
        except PlaywrightError:
            return False
        return _handlers(page) == self.handlers[page]

    def _open(self, locale: str) -> Page:
        if locale not in self.contexts:
            context = self.browser.new_context(
                viewport=PHONE,  # type: ignore[arg-type]
                device_scale_factor=2,
                locale=locale,
                service_workers="block",
            )
            context.route("**/*", _offline_except_loopback(self.telegram_js))
            context.add_init_script(WEBVIEW_PROXY)
            self.contexts[locale] = context
        page = self.contexts[locale].new_page()
        self.handlers[page] = _handlers(page)
        return page

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


def _handlers(page: Page) -> dict[str, int]:
    """How many handlers each of the page's events has, Playwright's own included (it has
    no public way to ask: its event emitter is behind the sync wrapper)."""
    emitter = page._impl_obj
    return {event: len(emitter.listeners(event)) for event in emitter.event_names()}


@pytest.fixture(scope="package")
def tabs(chromium: Browser, telegram_js: bytes) -> Iterator[Tabs]:
    kept = Tabs(chromium, telegram_js)
    yield kept
    kept.close()


def _offline_except_loopback(telegram_js: bytes) -> Callable[[Route, Request], None]:
    def handle(route: Route, request: Request) -> None:
        if request.url.startswith(TELEGRAM_JS_URL):
            route.fulfill(status=200, body=telegram_js, content_type="application/javascript")
        elif urlsplit(request.url).hostname in LOOPBACK:
            route.fallback()
        else:
            route.abort("blockedbyclient")

    return handle


@dataclass
class MiniApp:
    """Opens the mini app as Telegram does, for one of the pretend users."""

    url: str
    bot_token: str
    tabs: Tabs
    taken: list[tuple[Page, str, Callable[[PlaywrightError], None]]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def init_data(self, person: Person) -> str:
        """Raw init data as Telegram signs it for this person."""
        profile: dict[str, object] = {"id": person.id, "first_name": person.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(person, key) is not None:
                profile[key] = getattr(person, key)
        return telegram_auth.sign(profile, bot_token=self.bot_token)

    def link(
        self,
        screen: str | None = None,
        confession: str | None = None,
        *,
        person: Person | None = None,
        theme: dict[str, str] | None = None,
        platform: str = "android",
        version: str = "8.0",
    ) -> str:
        query = "" if screen is None else f"?screen={screen}"
        if confession is not None:
            query += f"&c={confession}"
        link = f"{self.url}/app/{query}"
        if person is None:
            return link
        launch = {
            "tgWebAppData": self.init_data(person),
            "tgWebAppVersion": version,
            "tgWebAppPlatform": platform,
            "tgWebAppThemeParams": json.dumps(theme or LIGHT_THEME, separators=(",", ":")),
            "tgWebAppBotInline": "1",  # the bot has inline mode on, as the product needs
        }
        return link + "#" + "&".join(f"{k}={quote(v, safe='')}" for k, v in launch.items())

    def page(
        self,
        *,
        viewport: dict[str, int] | None = None,
        reduced_motion: bool = False,
        locale: str = "en-GB",
    ) -> Page:
        page = self.tabs.take(
            locale=locale, viewport=viewport or PHONE, reduced_motion=reduced_motion
        )

        def record(error: PlaywrightError) -> None:
            self.page_errors.append(str(error))

        page.on("pageerror", record)
        self.taken.append((page, locale, record))
        return page

    def open(
        self,
        person: Person | None,
        screen: str | None = None,
        confession: str | None = None,
        *,
        theme: dict[str, str] | None = None,
        viewport: dict[str, int] | None = None,
        reduced_motion: bool = False,
        platform: str = "android",
        version: str = "8.0",
    ) -> Page:
        """The page as `person` sees it; with no person, as a plain browser outside Telegram.

        `platform="unknown"`: init data but no Telegram client around it (no main button)."""
        page = self.page(viewport=viewport, reduced_motion=reduced_motion)
        link = self.link(
            screen, confession, person=person, theme=theme, platform=platform, version=version
        )
        page.goto(link)
        return page

    def close(self) -> None:
        for page, locale, record in self.taken:
            if not page.is_closed():
                page.remove_listener("pageerror", record)
            self.tabs.give_back(page, locale)


@pytest.fixture
def mini_app(product: Product, settings: Settings, tabs: Tabs) -> Iterator[MiniApp]:
    assert settings.token is not None
    opened = MiniApp(product.url, settings.token, tabs)
    yield opened
    opened.close()
    assert opened.page_errors == [], "the page threw uncaught errors"


@dataclass
class Api:
    """The mini-app API as a person's mini app calls it, for checking what was stored.

    Wait for the page's own confirmation before asking: requests from the page pass through
    the route handler, which runs only while the test is inside a Playwright call.
    """

    url: str
    mini_app: MiniApp

    def get(self, person: Person, path: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.url}/api/v1{path}",
            headers={"Authorization": f"tma {self.mini_app.init_data(person)}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def confession(self, person: Person, public_id: str) -> dict[str, Any]:
        return self.get(person, f"/confessions/{public_id}")


@pytest.fixture
def api(product: Product, mini_app: MiniApp) -> Api:
    return Api(product.url, mini_app)


@pytest.fixture
def draft(settings: Settings, alice: Person, bob: Person) -> str:
    """Alice's confession to Bob, written up to its preview (where Customise is)."""
    return factories.drafted(settings, alice, bob)


@pytest.fixture
def delivered(settings: Settings, alice: Person, bob: Person) -> str:
    """Alice's anonymous confession, delivered to Bob and not yet opened."""
    return factories.delivered(settings, alice, bob)


def press_main_button(page: Page) -> None:
    """What Telegram tells the page when its main button (Save, Open it) is pressed."""
    page.evaluate("Telegram.WebView.receiveEvent('main_button_pressed')")


def telegram_events(page: Page, kind: str) -> list[Any]:
    """What the page asked of Telegram, `kind` only, with its data decoded."""
    found: list[Any] = page.evaluate(
        "kind => __telegramEvents.filter(e => e[0] === kind)"
        ".map(e => e[1] ? JSON.parse(e[1]) : null)",
        kind,
    )
    return found


@dataclass(frozen=True)
class Reader:
    """Who reads the page: their language and Telegram's theme; `word` is what the page says."""

    language: str
    scheme: str

    @property
    def theme(self) -> dict[str, str]:
        return DARK_THEME if self.scheme == "dark" else LIGHT_THEME

    def word(self, key: str, **values: object) -> str:
        words = {**i18n.page_words(self.language), **i18n.page_words(self.language, "more")}
        return words[key].format(**values) if values else words[key]


READERS = [Reader(language, scheme) for language in ("en", "ru") for scheme in ("light", "dark")]


@pytest.fixture(params=READERS, ids=lambda r: f"{r.language}-{r.scheme}")
def reader(request: pytest.FixtureRequest) -> Reader:
    """Each test that takes it runs in English and Russian, on a light and a dark theme."""
    chosen: Reader = request.param
    return chosen


Screenshot = Callable[[Page, str], Path]


@pytest.fixture(scope="session")
def screenshot() -> Screenshot:
    """Save a full-page screenshot under test-artifacts/screenshots/ for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path

    return take
