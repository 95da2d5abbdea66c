"""REST API for carriers: chatlog's webhook (live, read-only WeChat)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from quanzi.carriers.chatlog import ingest_messages, messages_of_webhook
from quanzi.errors import InvalidInput
from quanzi.web.api.routes import ERRORS, ErrorBody, Rejected, read_body
from quanzi.web.auth import Writer, engine_of

router = APIRouter(prefix="/api/v1/carriers")


class ImportResult(BaseModel):
    """What an import did: counts of what was sent, and what was new."""

    format: str
    messages: int
    joins: int
    leaves: int
    people: int
    new_events: int
    duplicates: int
    rejected: list[Rejected]
    alerts: int | None = None  # engine decisions left to operators (WeChat can't be moderated)


@router.post(
    "/chatlog",
    summary="chatlog 推送 / chatlog webhook",
    tags=["载体 carriers"],
    response_model=ImportResult,
    responses={**ERRORS, 422: {"model": ErrorBody}},
)
async def chatlog_webhook(
    request: Request,
    operator: Writer,
    community: Annotated[str, Query(description="这些微信消息属于哪个社群（社群标识）")],
) -> dict[str, Any]:
    """Store the messages chatlog posts (`{talker, sender, keyword, lastTime, messages}`)."""
    raw = await read_body(request)
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidInput("请求体不是有效的 JSON", code="chatlog_bad_body") from None
    messages = messages_of_webhook(body)
    report = await run_in_threadpool(ingest_messages, engine_of(request), messages, community)
    return report.to_dict()
