"""What the bot tells Telegram when it starts."""

from __future__ import annotations

import pytest

from emulator import BotApiState
from tests.conftest import WEBHOOK_SECRET
from tests.support import Product


@pytest.mark.settings(public_url="https://confessions.example")
def test_the_webhook_is_registered_with_the_secret_when_a_public_url_is_set(
    product: Product, bot_api: BotApiState
) -> None:
    webhook = bot_api.webhook

    assert webhook is not None
    assert webhook.url == "https://confessions.example/telegram/webhook"
    assert webhook.secret_token == WEBHOOK_SECRET


def test_the_command_menu_is_set_in_english_and_russian(
    product: Product, bot_api: BotApiState
) -> None:
    calls = bot_api.calls_to("setMyCommands")

    by_language = {call.params.get("language_code"): call.params["commands"] for call in calls}
    assert [command["command"] for command in by_language[None]] == [
        "new",
        "my",
        "settings",
        "help",
        "cancel",
        "mydata",
        "deleteme",
        "privacy",
    ]
    assert by_language["ru"][0]["description"] == "Написать признание"
