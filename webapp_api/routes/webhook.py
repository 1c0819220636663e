"""Telegram's webhook: check the secret, store the update, answer at once."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response

from core import inbox
from webapp_api.deps import DatabaseDep, SettingsDep
from webapp_api.errors import error_response, responses

log = logging.getLogger(__name__)
router = APIRouter(tags=["telegram"])


@router.post("/telegram/webhook", status_code=200, responses=responses(403, 413))
async def telegram_webhook(
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
) -> Response:
    """Telegram re-sends what gets no 2xx, so anything we cannot use still gets a 200."""
    expected = settings.effective_webhook_secret
    if expected is None or secret is None or not hmac.compare_digest(secret, expected):
        return error_response(403, "forbidden", "Wrong or missing webhook secret.")
    body = await request.body()
    try:
        payload = json.loads(body)
        async with database.session() as session:  # committed before Telegram hears 200
            is_new = await inbox.receive(session, payload)
    except (ValueError, inbox.MalformedUpdate) as error:
        log.warning("ignored a malformed update: %s", error)
        return JSONResponse({"ok": True, "ignored": "malformed"})
    wake: Callable[[], None] | None = getattr(request.app.state, "on_update_received", None)
    if is_new and wake is not None:
        wake()
    return JSONResponse({"ok": True})
