"""Jinja2 templates of the console, the left navigation, and display filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.background import BackgroundTasks
from starlette.responses import HTMLResponse

from quanzi import __version__
from quanzi.config import get_settings
from quanzi.services import reports
from quanzi.web.auth import engine_of

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"


@dataclass(frozen=True)
class NavItem:
    """One area of the method in the left navigation; `href` None means not built yet."""

    key: str
    title: str
    hint: str = ""
    href: str | None = None


# The areas of the method (DOMAIN.md); only live areas link anywhere, the rest say so.
NAV = (
    NavItem("overview", "总览", "社群 · 成员 · 活跃", "/"),
    NavItem("screening", "筛选", "入群审核 · 风控 · 意向分层", "/filter"),
    NavItem("ladder", "付费阶梯", "阶梯升级 · 付费来源", "/ladder"),
    NavItem("retention", "留存", "关系阶段 · 五脏 · 日报", "/retain"),
    NavItem("fission", "裂变与影响力", "邀请树 · 触达 · 超级用户", "/fission"),
    NavItem("groupbuy", "团购接龙", "团长 · 接龙 · 订单", "/groupbuy"),
    NavItem("carriers", "载体与导入", "机器人 · 聊天记录导入", "/carriers"),
)

# No inline scripts anywhere in the console, so scripts can be limited to our own files.
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def yuan(value: float | None) -> str:
    """Show a price: 免费 for 0, else ¥ with no needless decimals."""
    if not value:
        return "免费"
    return f"¥{value:,.0f}" if float(value).is_integer() else f"¥{value:,.2f}"


def number(value: int | float | None) -> str:
    """Show a count with thousands separators."""
    return f"{value or 0:,}"


def local_time(value: datetime, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """Show a UTC time in the operators' time zone (Asia/Shanghai unless configured)."""
    return value.astimezone(ZoneInfo(get_settings().timezone)).strftime(pattern)


def signed(value: int) -> str:
    """Show a net change with its sign."""
    return f"+{value:,}" if value > 0 else f"{value:,}"


templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals.update(nav=NAV, version=__version__)
templates.env.filters.update(yuan=yuan, number=number, signed=signed, local_time=local_time)


def report(request: Request, name: str, **params: Any) -> Any:
    """Return a heavy report (`quanzi.services.reports`); a fresh snapshot is stored after
    the response is sent, so the page never waits for that write."""

    def later(job: reports.Job) -> None:
        request.state.after = [*getattr(request.state, "after", []), job]

    def stale(computed_at: datetime) -> None:
        # The layout says how old the oldest snapshot on the page is.
        oldest = getattr(request.state, "stale_since", None)
        request.state.stale_since = min(oldest, computed_at) if oldest else computed_at

    return reports.current(engine_of(request), name, later=later, stale=stale, **params)


def page(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a console template with the security headers every console page carries."""
    response = templates.TemplateResponse(request, name, context or {}, status_code=status_code)
    jobs = getattr(request.state, "after", [])
    if jobs:
        tasks = BackgroundTasks()
        for job in jobs:
            tasks.add_task(job)
        response.background = tasks
    response.headers["Content-Security-Policy"] = CONSOLE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response
