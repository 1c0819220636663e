"""The yardstick: endpoints that only parse and answer, served the same way as the product."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request

app = FastAPI()
CONFESSION = {"id": "bare", "status": "delivered", "text": None, "style": {"theme": "classic"}}


@app.post("/telegram/webhook")
async def webhook(request: Request) -> dict[str, bool]:
    await request.json()
    return {"ok": True}


@app.get("/api/v1/confessions/{public_id}")
async def confession(public_id: str) -> dict[str, Any]:
    return {**CONFESSION, "id": public_id}


@app.get("/api/v1/confessions")
async def confessions() -> dict[str, Any]:
    return {"items": [CONFESSION] * 5, "next_cursor": None}
