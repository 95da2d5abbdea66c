"""Console pages of retention: stages and flows, health, calendar, daily report, response
times, churn and cohorts, and a person's 360° page."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from markupsafe import Markup
from sqlalchemy import select
from starlette.responses import Response

from quanzi.analytics.retain_calendar import calendar
from quanzi.analytics.retain_common import as_of, zone
from quanzi.analytics.retain_person import person_view
from quanzi.analytics.retain_report import daily_report
from quanzi.domain import vocab
from quanzi.domain.retain_organs import FIVE
from quanzi.domain.retain_organs import LABELS as ORGAN_LABELS
from quanzi.domain.retain_stages import LABELS, STAGES
from quanzi.errors import InvalidInput
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.web.auth import CurrentOperator, Viewer, csrf_token, engine_of
from quanzi.web.console.render import page, report, templates

router = APIRouter(include_in_schema=False)
TABS = (
    ("stages", "关系阶段", "/retain"),
    ("health", "社群健康", "/retain/health"),
    ("calendar", "运营日历", "/retain/calendar"),
    ("report", "社群日报", "/retain/report"),
    ("questions", "响应时间", "/retain/questions"),
    ("churn", "流失与留存", "/retain/churn"),
)


def _context(request: Request, operator: CurrentOperator, tab: str, **extra: Any) -> dict:
    return {
        "operator": operator,
        "csrf_token": csrf_token(request),
        "active": "retention",
        "tabs": TABS,
        "tab": tab,
        "stage_labels": LABELS,
        "organ_labels": ORGAN_LABELS,
        **extra,
    }


def _communities(request: Request) -> tuple[list[tuple[str, str]], date]:
    """Return (key, name) of every community, and the local day of the newest event."""
    with reading(engine_of(request)) as session:
        query = select(m.Community.key, m.Community.name).order_by(m.Community.key)
        rows = session.execute(query).all()
        today = as_of(session).astimezone(zone()).date()
    return [(key, name or key) for key, name in rows], today


def _day(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"日期应为 YYYY-MM-DD 格式，实际是 {value!r}") from None


@router.get("/retain")
def stages_page(request: Request, operator: Viewer) -> Response:
    """Stage counts, a Sankey of the flows between stages, and counts over time."""
    figures = report(request, "retain_stages")
    summary = figures["summary"]
    chart = {
        "labels": LABELS,
        "stages": list(STAGES),
        "flows": summary["flows"],
        "entries": figures["entries"],
        "history": figures["history"],
    }
    context = _context(request, operator, "stages", summary=summary, chart=chart)
    return page(request, "retain_stages.html", context)


@router.get("/retain/health")
def health_page(request: Request, operator: Viewer) -> Response:
    """Each community's organs and health score, the weakest first."""
    found = report(request, "retain_health")
    rows = sorted(found, key=lambda r: (r["score"], r["community"]))
    purposes = vocab.PURPOSES
    context = _context(request, operator, "health", rows=rows, five=FIVE, purposes=purposes)
    return page(request, "retain_health.html", context)


@router.get("/retain/calendar")
def calendar_page(request: Request, operator: Viewer, community: str | None = None) -> Response:
    """The SOP calendar of the last week: done, due, overdue and upcoming organ work."""
    choices, _ = _communities(request)
    key = community or (choices[0][0] if choices else None)
    rows = calendar(engine_of(request), key, days=7) if key else []
    context = _context(request, operator, "calendar", rows=rows, choices=choices, chosen=key)
    return page(request, "retain_calendar.html", context)


@router.get("/retain/report")
def report_page(
    request: Request, operator: Viewer, community: str | None = None, day: str | None = None
) -> Response:
    """The daily report of a community: figures and the text to post in the group."""
    choices, today = _communities(request)
    key = community or (choices[0][0] if choices else None)
    chosen = _day(day, today)
    report = daily_report(engine_of(request), key, chosen) if key else None
    context = _context(
        request, operator, "report", report=report, choices=choices, chosen=key, day=chosen
    )
    return page(request, "retain_report.html", context)


@router.get("/retain/questions")
def questions_page(request: Request, operator: Viewer, community: str | None = None) -> Response:
    """Response times per community, and the unanswered questions of one."""
    figures = report(request, "retain_questions", community=community or None)
    choices, _ = _communities(request)
    context = _context(
        request, operator, "questions", summaries=figures["summaries"],
        waiting=figures["waiting"], chosen=figures["chosen"], choices=choices, tz=zone(),
    )  # fmt: skip
    return page(request, "retain_questions.html", context)


_ROWS: OrderedDict[int, tuple[dict[str, Any], Markup]] = OrderedDict()
_ROWS_KEPT = 4


def at_risk_rows(churn: dict[str, Any]) -> Markup:
    """The at-risk table's rows, rendered once per churn report while it is the current one.

    A large store has tens of thousands of members at risk; rendering their rows on every
    visit was most of the page's time, and they change only with the report.
    """
    found = _ROWS.get(id(churn))
    if found is not None and found[0] is churn:
        return found[1]
    fragment = templates.get_template("_churn_at_risk.html")
    rows = Markup(fragment.render(churn=churn, stage_labels=LABELS))
    _ROWS[id(churn)] = (churn, rows)  # the report is held, so its id is not reused
    while len(_ROWS) > _ROWS_KEPT:
        _ROWS.popitem(last=False)
    return rows


@router.get("/retain/churn")
def churn_page(request: Request, operator: Viewer) -> Response:
    """Members at risk of leaving, paid members not renewing, and retention cohorts."""
    figures = report(request, "retain_churn")
    context = _context(
        request,
        operator,
        "churn",
        churn=figures["churn"],
        at_risk_rows=at_risk_rows(figures["churn"]),
        weeks=figures["weeks"],
        sources=figures["sources"],
    )
    return page(request, "retain_churn.html", context)


@router.get("/retain/people/{key}")
def person_page(request: Request, operator: Viewer, key: str) -> Response:
    """A person's 360° page: stage and why, communities, purchases, invites, timeline."""
    view = person_view(engine_of(request), key)
    return page(request, "retain_person.html", _context(request, operator, "", person=view))
