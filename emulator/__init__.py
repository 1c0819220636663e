"""An in-memory Telegram Bot API server for tests and the browser playground.

It keeps a real model of chats, messages and files (not just a call log), speaks Telegram's
HTTP protocol closely enough for python-telegram-bot, and lets tests inject failures and wait
for the bot's calls. See :class:`EmulatorServer` for the usual entry point.

Layers, each importing only those above it in this list: ``model`` (the records),
``wire`` (a stored message as Telegram's ``Message``), ``methods`` (what each Bot API method
does) and ``state`` (the server's thread-safe state), ``server`` (the HTTP front), ``queries``
(:class:`BotApiState`, the server state plus what tests ask of it), and ``client`` (the Telegram
user's side: the updates their actions cause, for the tests' people and the playground).
"""

from emulator.client import TelegramClient, TelegramUser
from emulator.methods import ApiCall, Upload
from emulator.model import (
    ApiError,
    BotIdentity,
    RecordedCall,
    StoredFile,
    StoredMessage,
    TelegramModel,
    WebhookConfig,
)
from emulator.names import METHOD_NAMES, canonical_method
from emulator.queries import BotApiState
from emulator.runner import DEFAULT_TOKEN, EmulatorServer, ThreadedUvicorn
from emulator.server import create_emulator_app
from emulator.state import ServerState

__all__ = [
    "DEFAULT_TOKEN",
    "METHOD_NAMES",
    "ApiCall",
    "ApiError",
    "BotApiState",
    "BotIdentity",
    "EmulatorServer",
    "RecordedCall",
    "ServerState",
    "StoredFile",
    "StoredMessage",
    "TelegramClient",
    "TelegramModel",
    "TelegramUser",
    "ThreadedUvicorn",
    "Upload",
    "WebhookConfig",
    "canonical_method",
    "create_emulator_app",
]
