"""Logging: readable text by default, one JSON object per line when LOG_FORMAT=json.

What is logged is chosen where it is logged: ids, types, outcomes and durations, never the
words of a confession or a reply, a token, init data, or who sent something anonymously.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from core.settings import Settings

#: Fields a line never shows: the record's own, and uvicorn's ``color_message``, the message
#: again with terminal colour codes, which only its own formatter uses.
STANDARD_FIELDS = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "color_message",
}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in record.__dict__.items() if key not in STANDARD_FIELDS}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_extras(record),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = _extras(record)
        if extras:
            line += " " + " ".join(f"{key}={value}" for key, value in extras.items())
        return line


def configure(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # These libraries log whole requests and updates at DEBUG, confession text included:
    # they stay at INFO or above whatever LOG_LEVEL says.
    for chatty in ("httpx", "httpcore", "telegram", "hpack", "aiosqlite", "botocore", "boto3"):
        logging.getLogger(chatty).setLevel(max(logging.INFO, root.level))
    for noisy in ("alembic.runtime.plugins", "uvicorn.access", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
