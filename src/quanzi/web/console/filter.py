"""Console pages of the filter: review queue, rule editor with dry run, strata, moderation log."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from quanzi.analytics.filter_strata import source_label
from quanzi.domain import filter_rules, strata, vocab
from quanzi.domain.moderation import ACTIONS, step_label
from quanzi.domain.screening import VERDICTS
from quanzi.errors import InvalidInput, QuanziError
from quanzi.services import screening_review as review
from quanzi.services.screening_replay import replay
from quanzi.store import models as m
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
from quanzi.web.console.render import local_time, page, report, templates

router = APIRouter(prefix="/filter", include_in_schema=False)


templates.env.filters["filter_time"] = local_time
DRY_RUN_LIMIT = 100
LOG_DAYS = (7, 30, 90)


def _communities(request: Request) -> list[tuple[str, str]]:
    with reading(engine_of(request)) as session:
        rows = session.execute(select(m.Community.key, m.Community.name).order_by(m.Community.key))
        return [(key, name) for key, name in rows]


def _context(request: Request, operator: CurrentOperator, tab: str, **extra: Any) -> dict[str, Any]:
    return {
        "operator": operator,
        "csrf_token": csrf_token(request),
        "active": "screening",
        "tab": tab,
        "can_write": operator.role in WRITERS,
        "verdicts": VERDICTS,
        "sources": vocab.SOURCES,
        "communities": _communities(request),
        **extra,
    }


def _queue(
    request: Request, operator: CurrentOperator, verdict: str, community: str, **extra: Any
) -> Response:
    engine = engine_of(request)
    items = review.list_requests(engine, verdict=verdict or None, community=community or None)
    context = _context(
        request,
        operator,
        "queue",
        items=items,
        counts=review.queue_counts(engine),
        verdict=verdict,
        community=community,
        **extra,
    )
    return page(request, "filter_queue.html", context, extra.get("status", 200))


@router.get("")
def queue_page(
    request: Request, operator: Viewer, verdict: str = "review", community: str = "", done: int = -1
) -> Response:
    """The review queue: requests the rules sent to a human, with their reasons."""
    return _queue(request, operator, verdict, community, done=done)


@router.post("/decide")
def decide(
    request: Request,
    operator: Writer,
    token: CsrfField = "",
    ids: Annotated[list[int] | None, Form()] = None,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    verdict: Annotated[str, Form()] = "review",
    community: Annotated[str, Form()] = "",
) -> Response:
    """Approve or reject the ticked requests with one reason."""
    check_csrf(request, token)
    try:
        count = review.decide_requests(
            engine_of(request), ids or [], decision, reason, operator.username
        )
    except QuanziError as exc:
        return _queue(request, operator, verdict, community, error=exc.message, status=422)
    query = urlencode({"verdict": verdict, "community": community, "done": count})
    return RedirectResponse(f"/filter?{query}", status_code=303)


def _rules_page(
    request: Request, operator: CurrentOperator, community: str, text: str, **extra: Any
) -> Response:
    context = _context(
        request,
        operator,
        "rules",
        community=community,
        text=text,
        default_toml=filter_rules.DEFAULT_TOML,
        **extra,
    )
    return page(request, "filter_rules.html", context, extra.get("status", 200))


@router.get("/rules")
def rules_page(request: Request, operator: Viewer, community: str = "", saved: int = 0) -> Response:
    """The rule editor of one community (or of the whole installation)."""
    text = review.rules_text(engine_of(request), community or None)
    return _rules_page(request, operator, community, text, saved=saved)


@router.post("/rules")
def rules_save(
    request: Request,
    operator: Writer,
    token: CsrfField = "",
    community: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    """Save the rules; a malformed file comes back with the line that is wrong."""
    check_csrf(request, token)
    try:
        review.save_rules(engine_of(request), community or None, text, operator.username)
    except InvalidInput as exc:
        return _rules_page(request, operator, community, text, error=exc.message, status=422)
    return RedirectResponse(f"/filter/rules?{urlencode({'community': community, 'saved': 1})}", 303)


@router.post("/rules/dry-run")
def rules_dry_run(
    request: Request,
    operator: Viewer,
    token: CsrfField = "",
    community: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    """Run the edited rules on the community's latest requests; nothing is saved."""
    check_csrf(request, token)
    context: dict[str, Any] = {"verdicts": VERDICTS}
    if not community:
        context["error"] = "试运行需要先选择一个社群"
    else:
        try:
            result = replay(engine_of(request), community, limit=DRY_RUN_LIMIT, rules=text)
            context.update(result=result, summary=result.summary())
        except QuanziError as exc:
            context["error"] = exc.message
    # 200 even for a bad file: htmx swaps the message in where the results would be.
    return page(request, "filter_dryrun.html", context)


@router.get("/strata")
def strata_page(request: Request, operator: Viewer) -> Response:
    """Active members by intent stratum in each community, with each stratum's playbook."""
    view = report(request, "filter_strata")
    context = _context(
        request,
        operator,
        "strata",
        view=view,
        playbooks=strata.PLAYBOOKS,
        labels=vocab.STRATA,
        source_label=source_label,
    )
    return page(request, "filter_strata.html", context)


@router.get("/moderation")
def moderation_page(
    request: Request, operator: Viewer, community: str = "", days: int = 30
) -> Response:
    """The moderation log: a community's recent messages under its rules."""
    if days not in LOG_DAYS:
        raise InvalidInput(f"days 应为 {'、'.join(map(str, LOG_DAYS))} 之一")
    communities = _communities(request)
    chosen = community or (communities[0][0] if communities else "")
    log = report(request, "filter_moderation", community=chosen, days=days) if chosen else []
    context = _context(
        request,
        operator,
        "moderation",
        community=chosen,
        days=days,
        day_options=LOG_DAYS,
        log=log,
        actions=ACTIONS,
        step_label=step_label,
    )
    return page(request, "filter_moderation.html", context)
