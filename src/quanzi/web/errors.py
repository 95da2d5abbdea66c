"""One error renderer per surface: JSON on /api, a Chinese page on the console."""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quanzi.errors import AuthError, QuanziError, StorageError
from quanzi.web.auth import is_api
from quanzi.web.console.render import page

log = logging.getLogger("quanzi.web")

INTERNAL = "服务器内部错误，请稍后重试；如果一再出现，请把错误编号告诉管理员"
HTTP_MESSAGES = {
    400: ("bad_request", "请求有误"),
    404: ("not_found", "没有这个页面或接口"),
    405: ("method_not_allowed", "不支持这种请求方法"),
    413: ("payload_too_large", "请求体过大"),
    415: ("unsupported_media_type", "不支持的请求体类型"),
}
# Chinese words for the pydantic error types a caller is likely to meet.
VALIDATION_WORDS = {
    "missing": "缺少必填项",
    "json_invalid": "不是有效的 JSON",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "float_parsing": "应为数字",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
}


def json_error(code: str, message: str, status: int, **extra: Any) -> JSONResponse:
    """The API's error body: a stable code and a Chinese message."""
    headers = (
        {"WWW-Authenticate": 'Basic realm="quanzi", charset="UTF-8"'} if status == 401 else None
    )
    return JSONResponse({"code": code, "message": message, **extra}, status, headers=headers)


def error_page(request: Request, status: int, message: str, code: str) -> Response:
    """The console's error page; htmx requests keep the page as it is."""
    response = page(
        request, "error.html", {"status": status, "message": message, "code": code}, status
    )
    if request.headers.get("hx-request"):
        response.headers["HX-Reswap"] = "none"
    return response


def _login_redirect(request: Request) -> Response:
    target = request.url.path if request.method == "GET" else "/"
    location = f"/login?next={quote(target, safe='/')}"
    if request.headers.get("hx-request"):
        # htmx would swap the login page into a fragment; send the whole window there.
        return Response(status_code=401, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


async def quanzi_error(request: Request, exc: Exception) -> Response:
    """Render a QuanziError on the surface it happened on."""
    assert isinstance(exc, QuanziError)
    if is_api(request):
        return json_error(exc.code, exc.message, exc.http_status, **_detail(exc))
    if isinstance(exc, AuthError):
        return _login_redirect(request)
    return error_page(request, exc.http_status, exc.message, exc.code)


def _detail(exc: QuanziError) -> dict[str, Any]:
    return {"detail": exc.detail} if exc.detail else {}


def _where(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def validation_error(request: Request, exc: Exception) -> Response:
    """Say in Chinese which parameter is wrong and where."""
    assert isinstance(exc, RequestValidationError)
    problems = [
        {
            "where": _where(error.get("loc", ())),
            "message": VALIDATION_WORDS.get(str(error.get("type")), "取值无效"),
        }
        for error in exc.errors()
    ]
    summary = "；".join(f"{p['where']}：{p['message']}" for p in problems[:5])
    message = f"请求参数无效：{summary}" if summary else "请求参数无效"
    if is_api(request):
        where = problems[0]["where"] if problems else ""
        return json_error("invalid_input", message, 422, where=where, problems=problems)
    return error_page(request, 422, message, "invalid_input")


async def http_error(request: Request, exc: Exception) -> Response:
    """Render routing errors (404, 405, 413…) without English leaking through."""
    assert isinstance(exc, StarletteHTTPException)
    code, message = HTTP_MESSAGES.get(exc.status_code, ("http_error", "请求无法处理"))
    if is_api(request):
        return json_error(code, message, exc.status_code)
    return error_page(request, exc.status_code, message, code)


async def storage_error(request: Request, exc: Exception) -> Response:
    """A database that is down or not migrated: 503 with advice, details only in the log."""
    log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    message = "数据库暂时不可用，或表结构不是最新（请运行 quanzi db upgrade）"
    return await quanzi_error(request, StorageError(message))


class CatchAllMiddleware:
    """Turn any unexpected exception into a logged, generic 500: no traceback to users."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; answer 500 if it raises before a response began."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            reference = secrets.token_hex(4)
            log.exception("unexpected error %s on %s %s", reference, scope["method"], scope["path"])
            if started:
                # Half a response is already out; all we can do is end the connection.
                return
            request = Request(scope, receive)
            message = f"{INTERNAL}（错误编号 {reference}）"
            response = (
                json_error("internal_error", message, 500, reference=reference)
                if is_api(request)
                else error_page(request, 500, message, "internal_error")
            )
            await response(scope, receive, send)


def install(app: FastAPI) -> None:
    """Register the handlers and the catch-all on `app`."""
    app.add_exception_handler(QuanziError, quanzi_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(OperationalError, storage_error)
