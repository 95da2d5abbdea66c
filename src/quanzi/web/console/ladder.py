"""Console pages of the paid ladder: the funnel and provenance; tasks, segments and offers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from quanzi.analytics.ladder import LadderView, chart_data, rungs_of_ladder
from quanzi.analytics.ladder_segments import count_segment
from quanzi.analytics.ladder_tasks import task_shells, task_views, with_figures
from quanzi.analytics.ladder_views import community_names
from quanzi.domain.ladder import BENEFITS, TASK_METRICS
from quanzi.domain.ladder_segments import SegmentError, SegmentFilter, parse_filter
from quanzi.domain.ladder_tasks import describe_reward
from quanzi.domain.local_time import read_local
from quanzi.domain.vocab import STAGES, STRATA
from quanzi.errors import InvalidInput, NotFound, QuanziError
from quanzi.services import ladder as service
from quanzi.store.db import reading
from quanzi.web.auth import (
    WRITERS,
    CsrfField,
    CurrentOperator,
    Viewer,
    Writer,
    check_csrf,
    csrf_token,
    engine_of,
)
from quanzi.web.console.render import page, report

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]
Many = Annotated[list[str], Form()]


def _base(request: Request, operator: CurrentOperator, **extra: Any) -> dict[str, Any]:
    return {
        "operator": operator,
        "csrf_token": csrf_token(request),
        "active": "ladder",
        "can_write": operator.role in WRITERS,
        **extra,
    }


@router.get("/ladder")
def ladder_page(
    request: Request, operator: Viewer, ladder: str | None = None, error: str = ""
) -> Response:
    """The ladder: the seed's claim measured, the funnel, provenance, step-up times, benefits."""
    try:
        view: LadderView = report(request, "ladder", ladder=ladder or None)
    except NotFound as exc:
        context = _base(request, operator, view=None, message=exc.message, error=error)
        return page(request, "ladder_page.html", context)
    context = _base(
        request,
        operator,
        view=view,
        report=view.report,
        claims=view.claims(),
        charts=chart_data(view),
        benefit_kinds=BENEFITS,
        error=error,
    )
    return page(request, "ladder_page.html", context)


@router.post("/ladder/benefits")
def ladder_benefits(
    request: Request,
    operator: Writer,
    token: CsrfField = "",
    community: Text = "",
    kinds: Many = [],  # noqa: B006 - FastAPI copies form defaults
    texts: Many = [],  # noqa: B006
) -> Response:
    """Replace one rung's promised benefits."""
    check_csrf(request, token)
    service.set_benefits(
        engine_of(request), community, zip(kinds, texts, strict=False), actor=operator.username
    )
    return RedirectResponse(f"/ladder#rung-{community}", status_code=303)


@router.post("/ladder/rungs")
def ladder_rungs(
    request: Request,
    operator: Writer,
    token: CsrfField = "",
    community: Text = "",
    ladder: Text = "main",
    rank: Text = "",
    price: Text = "",
) -> Response:
    """Put a community on a ladder with a rank and a price."""
    check_csrf(request, token)
    try:
        rank_value, price_value = int(rank), float(price)
    except ValueError:
        message = "档位应为整数、价格应为数字"
        return RedirectResponse(f"/ladder?error={quote(message)}#rung-form", status_code=303)
    try:
        service.declare_rung(engine_of(request), community.strip(), ladder.strip(), rank_value,
                             price_value, actor=operator.username)  # fmt: skip
    except InvalidInput as exc:
        return RedirectResponse(f"/ladder?error={quote(exc.message)}#rung-form", status_code=303)
    return RedirectResponse(f"/ladder?ladder={quote(ladder.strip())}", status_code=303)


def _plays(
    request: Request, operator: CurrentOperator, status: int = 200, **extra: Any
) -> Response:
    engine = engine_of(request)
    try:
        rungs = rungs_of_ladder(engine)
    except NotFound:
        rungs = []
    # The tasks' settings are read live; what they take from the log comes from the report.
    figures = report(request, "ladder_plays")
    shells, known = task_shells(engine), figures["tasks"]
    if all(view.task.key in known for view in shells):
        tasks = [with_figures(view, known[view.task.key]) for view in shells]
    else:  # a task added since the report's data version was read
        tasks = task_views(engine)
    context = _base(
        request,
        operator,
        tasks=tasks,
        segments=figures["segments"],
        offers=figures["offers"],
        rungs=rungs,
        metrics=TASK_METRICS,
        stages=STAGES,
        strata=STRATA,
        describe_reward=describe_reward,
        **extra,
    )
    return page(request, "ladder_plays.html", context, status_code=status)


@router.get("/ladder/plays")
def plays_page(request: Request, operator: Viewer) -> Response:
    """Step-up tasks with their effect, segments with live counts, offers."""
    return _plays(request, operator)


def _day(value: str, field: str, *, end: bool = False) -> datetime:
    from quanzi.config import get_settings

    try:
        if len(value.strip()) != 10:  # the form's fields are dates, never times
            raise ValueError(value)
        return read_local(value, ZoneInfo(get_settings().timezone), end=end)
    except ValueError:
        raise InvalidInput(f"{field}应为日期，如 2026-05-01") from None


def _number(value: str, field: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(f"{field}应为数字，实际为 {value!r}") from None


@router.post("/ladder/tasks")
def add_task(
    request: Request,
    operator: Writer,
    token: CsrfField = "",
    key: Text = "",
    name: Text = "",
    community: Text = "",
    metric: Text = "",
    target: Text = "",
    start: Text = "",
    end: Text = "",
    reward: Text = "",
    value: Text = "",
) -> Response:
    """Define a step-up task from the editor."""
    check_csrf(request, token)
    try:
        service.create_task(
            engine_of(request), key=key, name=name, community=community, metric=metric,
            target=_number(target, "目标"), starts_at=_day(start, "开始日期"),
            ends_at=_day(end, "结束日期", end=True), reward_kind=reward,
            reward_value=_number(value, "奖励数值"), actor=operator.username,
        )  # fmt: skip
    except QuanziError as exc:
        return _plays(request, operator, error=exc.message, form="task", status=exc.http_status)
    return RedirectResponse("/ladder/plays#tasks", status_code=303)


@router.post("/ladder/tasks/redeem")
def redeem(request: Request, operator: Writer, token: CsrfField = "") -> Response:
    """Record redemptions of every active task."""
    check_csrf(request, token)
    service.record_redemptions(engine_of(request), actor=operator.username)
    return RedirectResponse("/ladder/plays#tasks", status_code=303)


def _filters(form: dict[str, Any]) -> dict[str, Any]:
    keys = SegmentFilter.__dataclass_fields__
    return {k: form[k] for k in keys if form.get(k) not in (None, "", [])}


async def _form(request: Request) -> dict[str, Any]:
    raw = await request.form()
    multi = ("rungs_paid", "rungs_not_paid", "stages", "strata", "communities")
    data: dict[str, Any] = {k: [v for v in raw.getlist(k) if isinstance(v, str)] for k in multi}
    for key, value in raw.items():
        if key not in multi and isinstance(value, str):
            data[key] = value
    return data


def _names(engine: Any) -> dict[str, str]:
    with reading(engine) as session:
        return community_names(session)


@router.post("/ladder/segments/count")
async def segment_count(request: Request, operator: Viewer) -> Response:
    """The live count of the segment builder (htmx swaps it in as the form changes)."""
    from starlette.concurrency import run_in_threadpool

    form = await _form(request)
    check_csrf(request, form.get("csrf_token"))
    try:
        spec = parse_filter(_filters(form))
    except SegmentError as exc:
        return page(request, "ladder_count.html", {"error": str(exc)})
    count = await run_in_threadpool(count_segment, engine_of(request), spec)
    names = await run_in_threadpool(_names, engine_of(request))
    context = {"count": count, "describe": spec.describe(names)}
    return page(request, "ladder_count.html", context)


@router.post("/ladder/segments")
async def save_segment(request: Request, operator: Writer) -> Response:
    """Save the segment builder's filter."""
    from starlette.concurrency import run_in_threadpool

    form = await _form(request)
    check_csrf(request, form.get("csrf_token"))
    try:
        await run_in_threadpool(
            lambda: service.save_segment(
                engine_of(request),
                key=form.get("key", ""),
                name=form.get("name", ""),
                filters=_filters(form),
                actor=operator.username,
            )
        )
    except QuanziError as exc:
        message, status = exc.message, exc.http_status
        return await run_in_threadpool(
            lambda: _plays(request, operator, error=message, form="segment", status=status)
        )
    return RedirectResponse("/ladder/plays#segments", status_code=303)


@router.post("/ladder/offers")
def add_offer(
    request: Request,
    operator: Writer,
    token: CsrfField = "",
    key: Text = "",
    name: Text = "",
    item: Text = "",
    kind: Text = "",
    value: Text = "",
    start: Text = "",
    end: Text = "",
    audience: Text = "",
) -> Response:
    """Make an offer to a segment (`segment:KEY`) or a stratum (`stratum:KEY`)."""
    check_csrf(request, token)
    what, _, target = audience.partition(":")
    try:
        service.create_offer(
            engine_of(request), key=key, name=name, kind=kind, value=_number(value, "优惠数值"),
            item=item, starts_at=_day(start, "开始日期"), ends_at=_day(end, "结束日期", end=True),
            segment=target if what == "segment" else None,
            stratum=target if what == "stratum" else None, actor=operator.username,
        )  # fmt: skip
    except QuanziError as exc:
        return _plays(request, operator, error=exc.message, form="offer", status=exc.http_status)
    return RedirectResponse("/ladder/plays#offers", status_code=303)
