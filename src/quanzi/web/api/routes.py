"""REST API v1: ingest events, read the overview, say who is calling."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from quanzi.analytics.overview import Overview, build_overview
from quanzi.errors import InvalidInput, QuanziError
from quanzi.services.ingest import ingest_objects
from quanzi.web.auth import CurrentOperator, Writer, engine_of, require_role

# Large enough for a few thousand events per call; bigger loads belong to `quanzi ingest`.
MAX_BODY_BYTES = 16 * 1024 * 1024

router = APIRouter(prefix="/api/v1")
Reader = Annotated[CurrentOperator, Depends(require_role())]


class ErrorBody(BaseModel):
    """An API error."""

    code: str
    message: str


class Rejected(BaseModel):
    """One event that was not stored: its 1-based position in the body and why."""

    line: int
    reason: str


class IngestResult(BaseModel):
    """What an ingest did (the report of EVENTS.md)."""

    read: int
    stored: int
    duplicates: int
    rejected: list[Rejected]


class Me(BaseModel):
    """The calling operator."""

    username: str
    role: str
    role_label: str


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "未登录或用户名/密码错误"},
    403: {"model": ErrorBody, "description": "角色无权操作"},
}
EVENTS_BODY = {
    "requestBody": {
        "required": True,
        "description": "一个事件对象，或事件对象的列表（字段见 EVENTS.md）",
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "object"},
                        {"type": "array", "items": {"type": "object"}},
                    ]
                },
                "example": [
                    {
                        "id": "e2",
                        "ts": "2026-03-01T10:00:00+08:00",
                        "kind": "join",
                        "community": "fruit-100",
                        "person": "wx:li",
                        "name": "小李",
                        "source": "official_account",
                    }
                ],
            }
        },
    }
}


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """Read the body, refusing it with a Chinese 413 once it passes `limit` bytes."""
    too_large = QuanziError(
        f"请求体过大：一次最多 {limit // (1024 * 1024)} MB，更大的文件请用 quanzi ingest 导入",
        code="payload_too_large",
        http_status=413,
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def parse_events_body(raw: bytes) -> list[Any]:
    """Decode the body into a list of raw events (one object becomes a list of one)."""
    if not raw.strip():
        raise InvalidInput("请求体为空：应为一个事件对象或事件对象的列表")
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"请求体不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近（{exc.msg}）"
        ) from None
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("请求体不是有效的 JSON：应为 UTF-8 编码的文本") from None
    return body if isinstance(body, list) else [body]


@router.post(
    "/events",
    summary="导入事件 / ingest events",
    tags=["事件 events"],
    response_model=IngestResult,
    responses={
        **ERRORS,
        413: {"model": ErrorBody},
        415: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
    openapi_extra=EVENTS_BODY,
)
async def post_events(request: Request, operator: Writer) -> dict[str, Any]:
    """Store events; same `id` twice is a duplicate, a bad item is rejected by position."""
    if not _is_json(request.headers.get("content-type")):
        # Requiring the JSON type also stops cross-site plain forms from posting here.
        raise QuanziError(
            "请求体应为 JSON，并带上 Content-Type: application/json",
            code="unsupported_media_type",
            http_status=415,
        )
    items = parse_events_body(await read_body(request))
    report = await run_in_threadpool(ingest_objects, engine_of(request), items)
    return report.to_dict()


@router.get(
    "/overview",
    summary="总览数据 / overview",
    tags=["分析 analytics"],
    response_model=Overview,
    responses=ERRORS,
)
def get_overview(request: Request, operator: Reader) -> Overview:
    """Communities with members and activity, daily joins/leaves, the event mix, totals."""
    return build_overview(engine_of(request))


@router.get(
    "/me", summary="当前账号 / who am I", tags=["账号 account"], response_model=Me, responses=ERRORS
)
def get_me(operator: Reader) -> Me:
    """Return the calling operator's name and role."""
    return Me(username=operator.username, role=operator.role, role_label=operator.role_label)


def install_openapi(app: FastAPI) -> None:
    """Declare HTTP Basic in the OpenAPI schema, so the docs page offers 「Authorize」."""

    def schema() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            components = document.setdefault("components", {})
            components["securitySchemes"] = {"basic": {"type": "http", "scheme": "basic"}}
            document["security"] = [{"basic": []}]
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = schema  # type: ignore[method-assign]
