"""Telegram's webhook: check the secret, store the update, answer at once."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bot import updates
from core import constant_time, inbox
from core.background import Wakers
from core.inbox import InboxWriter
from core.settings import Settings
from webapp_api.errors import error_response, responses

log = logging.getLogger(__name__)
router = APIRouter(tags=["telegram"])
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_PARAMETER = {
    "name": SECRET_HEADER,
    "in": "header",
    "required": False,
    "description": "The secret given to Telegram with the webhook; anything else gets a 403.",
    "schema": {"type": "string"},
}
STORED = b'{"ok":true}'
"""The answer to every update stored (or stored before): the same bytes each time."""


@router.post(
    "/telegram/webhook",
    status_code=200,
    responses=responses(403, 413, 503),
    openapi_extra={"parameters": [SECRET_PARAMETER]},
)
async def telegram_webhook(request: Request) -> Response:
    """Telegram re-sends what gets no 2xx, so anything we cannot use still gets a 200: an
    update that can never be stored (too deep, an id beyond 64 bits) would come back forever,
    and Telegram holds back the updates after it while it retries. A 503 (the database away)
    is the one refusal, because that update will be stored when it comes again.

    The hottest route: it reads app state and the header itself instead of through FastAPI
    dependencies, whose resolution would cost more than storing the update."""
    settings: Settings = request.app.state.settings
    writer: InboxWriter = request.app.state.inbox_writer
    expected = settings.effective_webhook_secret
    secret = request.headers.get(SECRET_HEADER)
    if expected is None or secret is None or not constant_time.equal(secret, expected):
        return error_response(403, "forbidden", "Wrong or missing webhook secret.")
    body = await request.body()
    try:
        inbound = updates.parse(body)
        is_new = await writer.receive(inbound)  # committed before Telegram hears 200
    except inbox.MalformedUpdate as error:
        log.warning("ignored a malformed update: %s", error)
        return JSONResponse({"ok": True, "ignored": "malformed"})
    if is_new:
        wakers: Wakers = request.app.state.wakers
        wakers.inbox()
    return Response(STORED, media_type="application/json")
