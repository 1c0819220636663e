"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from models import migrate
from webapp_api.deps import DatabaseDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is alive; says nothing about its dependencies."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
async def readyz(database: DatabaseDep) -> Health | JSONResponse:
    """Ready when the database answers and is at the newest migration."""
    try:
        async with asyncio.timeout(3):
            async with database.engine.connect() as connection:
                revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:
        return JSONResponse({"status": "database unreachable"}, status_code=503)
    if revision != migrate.head_revision():
        return JSONResponse({"status": "migrations pending"}, status_code=503)
    return Health(status="ok")
