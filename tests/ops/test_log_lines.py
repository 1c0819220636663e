"""Log lines carry no terminal colour codes: uvicorn hands every record a `color_message`
extra for its own coloured formatter, and ours must not print it."""

from __future__ import annotations

import json
import logging

import pytest

from confessions.logs import JsonFormatter, TextFormatter


def _uvicorn_record() -> logging.LogRecord:
    """What uvicorn.server logs at start-up, extras and all."""
    return logging.getLogger("uvicorn.error").makeRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        "Uvicorn running on %s (Press CTRL+C to quit)",
        ("http://127.0.0.1:8000",),
        None,
        extra={"color_message": "Uvicorn running on \x1b[1m%s\x1b[0m (Press CTRL+C to quit)"},
    )


@pytest.mark.parametrize("formatter", [TextFormatter(), JsonFormatter()], ids=["text", "json"])
def test_uvicorns_coloured_copy_of_the_message_is_not_logged(formatter: logging.Formatter) -> None:
    line = formatter.format(_uvicorn_record())
    assert "\x1b[" not in line
    assert "color_message" not in line
    assert "Uvicorn running on http://127.0.0.1:8000" in line


def test_other_extras_still_show() -> None:
    record = _uvicorn_record()
    record.update_id = 42
    assert "update_id=42" in TextFormatter().format(record)
    assert json.loads(JsonFormatter().format(record))["update_id"] == 42
