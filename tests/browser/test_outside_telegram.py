"""Opened in a plain browser, the page explains itself and asks nothing of the API."""

from __future__ import annotations

import pytest
from playwright.sync_api import Request, expect

from tests.browser.conftest import MiniApp, Screenshot

pytestmark = pytest.mark.browser


def test_it_explains_how_to_open_it_from_the_bot(mini_app: MiniApp, screenshot: Screenshot) -> None:
    page = mini_app.open(None, "reveal", "AAAAAAAAAAAA")

    expect(page.get_by_role("heading", name="Open me in Telegram")).to_be_visible()
    expect(page.get_by_text("Open the Confessions bot in Telegram.")).to_be_visible()
    screenshot(page, "outside-telegram")


def test_it_calls_no_api(mini_app: MiniApp) -> None:
    page = mini_app.page()
    api_calls: list[str] = []

    def record(request: Request) -> None:
        if "/api/" in request.url:
            api_calls.append(request.url)

    page.on("request", record)
    page.goto(mini_app.link("home"), wait_until="networkidle")

    expect(page.get_by_role("heading", name="Open me in Telegram")).to_be_visible()
    assert api_calls == []
