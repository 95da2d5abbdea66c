"""Console pages: log in and out, and the overview (server-rendered, htmx refresh)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from quanzi.analytics.overview import Overview
from quanzi.errors import AuthError
from quanzi.services import operators
from quanzi.web.auth import (
    CsrfField,
    CurrentOperator,
    Viewer,
    check_csrf,
    csrf_token,
    current_operator,
    engine_of,
    start_session,
)
from quanzi.web.console.render import page, report

router = APIRouter(include_in_schema=False)
FormText = Annotated[str, Form()]


def safe_next(target: str | None) -> str:
    """Only follow redirects to paths on this site (no //host or scheme tricks)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(request: Request, next_url: str, error: str = "", username: str = "") -> Response:
    context = {
        "csrf_token": csrf_token(request),
        "next": safe_next(next_url),
        "error": error,
        "username": username,
    }
    return page(request, "login.html", context)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    """Show the login form, or go straight on when already logged in."""
    if current_operator(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next)


@router.post("/login")
def login_submit(
    request: Request,
    username: FormText = "",
    password: FormText = "",
    token: CsrfField = "",
    next: FormText = "/",
) -> Response:
    """Check the form's CSRF token and the password, then start a session."""
    check_csrf(request, token)
    try:
        operator = operators.log_in(engine_of(request), username.strip(), password)
    except AuthError as exc:
        return _login_page(request, next, exc.message, username)
    start_session(request, operator)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, operator: Viewer, token: CsrfField = "") -> Response:
    """End the session (POST with the CSRF token, so no other site can log anyone out)."""
    check_csrf(request, token)
    operators.log_out(engine_of(request), operator.username)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def chart_data(overview: Overview) -> dict[str, Any]:
    """The numbers the page's charts draw, embedded in the page as JSON."""
    return {
        "days": [d.day.isoformat() for d in overview.daily],
        "joins": [d.joins for d in overview.daily],
        "leaves": [d.leaves for d in overview.daily],
        "mix": [{"name": k.label, "kind": k.kind, "value": k.count} for k in overview.event_mix],
    }


def build_overview(request: Request) -> Overview:
    """The overview's figures: its stored report while the data holds, else computed live."""
    overview: Overview = report(request, "overview")
    return overview


def _overview_context(request: Request, operator: CurrentOperator) -> dict[str, Any]:
    overview = build_overview(request)
    return {
        "operator": operator,
        "csrf_token": csrf_token(request),
        "active": "overview",
        "overview": overview,
        "totals": overview.totals,
        "charts": chart_data(overview),
    }


@router.get("/")
def overview_page(request: Request, operator: Viewer) -> Response:
    """The overview: totals, charts of joins/leaves and the event mix, the communities."""
    return page(request, "overview.html", _overview_context(request, operator))


@router.get("/overview/live")
def overview_live(request: Request, operator: Viewer) -> Response:
    """The overview's changing part, for htmx to swap in on refresh."""
    return page(request, "_live.html", _overview_context(request, operator))
