"""The product without Telegram: pretend users chat with the real bot in a browser window."""

from playground.app import create_playground_app
from playground.world import Playground, PlaygroundError, PretendUser

__all__ = ["Playground", "PlaygroundError", "PretendUser", "create_playground_app"]
