"""Prometheus metrics, for the operator only."""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from core import constant_time, metrics, outbox
from webapp_api.deps import SessionDep, SettingsDep
from webapp_api.errors import error_response

router = APIRouter(tags=["operations"], include_in_schema=False)


def _allowed(request: Request, token: str | None) -> bool:
    """With METRICS_TOKEN, a bearer token; without, only clients on this machine."""
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return constant_time.equal(given, token)
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@router.get("/metrics")
async def prometheus(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    if not _allowed(request, token):
        return error_response(403, "forbidden", "Metrics are for the operator.")
    depth, oldest = await outbox.backlog(session)
    metrics.OUTBOX_DEPTH.set(depth)
    metrics.OUTBOX_OLDEST.set(oldest)
    return Response(generate_latest(metrics.registry()), media_type=CONTENT_TYPE_LATEST)
