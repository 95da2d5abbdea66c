"""Who is calling: the console session or HTTP Basic, roles, and CSRF tokens."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, Request
from sqlalchemy import Engine

from quanzi.domain.vocab import OPERATOR_ROLES
from quanzi.errors import AuthError, Forbidden
from quanzi.services import operators
from quanzi.store import models as m

SESSION_OPERATOR = "operator_id"
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITERS = ("admin", "operator")
LOGIN_REQUIRED = "请先登录：API 使用运营账号的 HTTP Basic 认证，或控制台登录后的会话"
CSRF_FAILED = "页面已过期或请求来源不明，请刷新页面后重试"


@dataclass(frozen=True)
class CurrentOperator:
    """The logged-in operator of one request, and how they proved it."""

    id: int
    username: str
    role: str
    via: str  # "session" or "basic"

    @property
    def role_label(self) -> str:
        """Return the role's Chinese name."""
        return OPERATOR_ROLES.get(self.role, self.role)

    @classmethod
    def of(cls, operator: m.Operator, via: str) -> CurrentOperator:
        """Wrap a stored operator."""
        return cls(id=operator.id, username=operator.username, role=operator.role, via=via)


def engine_of(request: Request) -> Engine:
    """Return the engine the app was created with."""
    engine: Engine = request.app.state.engine
    return engine


def is_api(request: Request) -> bool:
    """Tell whether the request is for the REST API (JSON surface) rather than the console."""
    return request.url.path.startswith("/api/")


def csrf_token(request: Request) -> str:
    """Return this session's CSRF token, creating it on first use."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Raise Forbidden unless `submitted` equals this session's token."""
    expected = request.session.get(SESSION_CSRF)
    if not (
        isinstance(expected, str)
        and isinstance(submitted, str)
        and hmac.compare_digest(expected.encode(), submitted.encode())
    ):
        raise Forbidden(CSRF_FAILED, code="csrf_failed")


def start_session(request: Request, operator: m.Operator) -> None:
    """Log `operator` in: a fresh session with a fresh CSRF token."""
    request.session.clear()
    request.session[SESSION_OPERATOR] = operator.id
    csrf_token(request)


def _from_basic(request: Request, header: str) -> CurrentOperator:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise AuthError("仅支持 HTTP Basic 认证")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthError("Authorization 头格式不正确") from None
    username, sep, password = decoded.partition(":")
    if not sep:
        raise AuthError("Authorization 头格式不正确")
    operator = operators.authenticate(engine_of(request), username, password)
    return CurrentOperator.of(operator, "basic")


def _from_session(request: Request) -> CurrentOperator | None:
    operator_id = request.session.get(SESSION_OPERATOR)
    if not isinstance(operator_id, int):
        return None
    # Read the operator each time so a deactivation or role change applies at once.
    operator = operators.get_operator(engine_of(request), operator_id)
    if operator is None:
        request.session.pop(SESSION_OPERATOR, None)
        return None
    return CurrentOperator.of(operator, "session")


def current_operator(request: Request) -> CurrentOperator | None:
    """Return the caller: HTTP Basic on the API when given, else the console session."""
    header = request.headers.get("authorization")
    if header and is_api(request):
        return _from_basic(request, header)
    return _from_session(request)


def require_role(*roles: str) -> Callable[[Request], CurrentOperator]:
    """Return a dependency that admits a logged-in operator of one of `roles` (any if none)."""
    allowed = frozenset(roles or OPERATOR_ROLES)

    # A plain function: FastAPI runs it in its thread pool, so the database read
    # does not block the event loop.
    def dependency(request: Request) -> CurrentOperator:
        operator = current_operator(request)
        if operator is None:
            raise AuthError(LOGIN_REQUIRED)
        if operator.role not in allowed:
            raise Forbidden(f"当前账号的角色（{operator.role_label}）无权执行此操作")
        if operator.via == "session" and is_api(request) and request.method not in SAFE_METHODS:
            # The browser sends the cookie by itself; the header proves our page asked.
            check_csrf(request, request.headers.get(CSRF_HEADER))
        request.state.operator = operator
        return operator

    return dependency


# The route parameters every console page and API route declares, defined once.
Viewer = Annotated[CurrentOperator, Depends(require_role())]
Writer = Annotated[CurrentOperator, Depends(require_role(*WRITERS))]
CsrfField = Annotated[str, Form(alias="csrf_token")]
