"""The emulator's modules form layers: the model, then wire rendering, then the method handlers
and the server state, then the tests' queries. No module imports one above it, so none needs a
late import to dodge a loop."""

from __future__ import annotations

import ast
from pathlib import Path

import emulator
from emulator import BotApiState, ServerState

_PACKAGE = Path(emulator.__file__).parent


def _emulator_imports(module: str) -> set[str]:
    """Every emulator module this one imports, at the top or inside a function."""
    tree = ast.parse((_PACKAGE / f"{module}.py").read_text())
    modules = (node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom))
    return {m.removeprefix("emulator.") for m in modules if m and m.startswith("emulator.")}


def test_the_server_state_renders_messages_without_the_method_handlers() -> None:
    assert "wire" in _emulator_imports("state")
    assert "methods" not in _emulator_imports("state")


def test_the_method_handlers_do_not_depend_on_the_server_state() -> None:
    assert "state" not in _emulator_imports("methods")


def test_the_bottom_layers_import_nothing_above_them() -> None:
    assert _emulator_imports("model") == set()
    assert _emulator_imports("wire") == {"model"}


def test_the_test_queries_are_not_part_of_the_server_state() -> None:
    for helper in ("wait_for_call", "calls_to", "sent_to", "last_message", "callback_answers"):
        assert not hasattr(ServerState, helper), helper
        assert hasattr(BotApiState, helper), helper
