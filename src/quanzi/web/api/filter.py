"""REST API of the filter: screening verdicts, the review queue, rule sets, strata."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from quanzi.analytics.filter_strata import build_strata
from quanzi.domain import filter_rules
from quanzi.domain.events import EventError
from quanzi.domain.screening import Screener
from quanzi.domain.screening_stream import StreamHistory, request_from_raw
from quanzi.errors import InvalidInput
from quanzi.services import screening_review as review
from quanzi.services.screening_replay import replay
from quanzi.web.api.routes import ERRORS
from quanzi.web.auth import CurrentOperator, Writer, engine_of, require_role

router = APIRouter(prefix="/api/v1/screening", tags=["筛选 filter"])
Reader = Annotated[CurrentOperator, Depends(require_role())]
MAX_SCREEN = 10_000


class ReasonBody(BaseModel):
    """Why a rule fired."""

    rule: str
    detail: str


class RequestItem(BaseModel):
    """A stored join request with its current verdict."""

    id: int
    ts: datetime
    community: str
    person: str
    name: str | None
    comment: str | None
    avatar: str | None
    source: str | None
    verdict: str | None
    reasons: list[ReasonBody]
    decided_by: str | None


class DecisionBody(BaseModel):
    """A reviewer's decision on one or more requests."""

    ids: list[int] = Field(min_length=1, max_length=1000)
    decision: str = Field(description="admit 或 reject")
    reason: str = Field("", description="理由；拒绝时必填")


class RulesBody(BaseModel):
    """A rule set in TOML; no community means the installation's own rules."""

    community: str | None = None
    text: str


class DryRunBody(BaseModel):
    """Rules to try on a community's most recent requests, without saving them."""

    community: str
    text: str
    limit: int = Field(100, ge=1, le=5000)


class ScreenBody(BaseModel):
    """Join requests to screen without storing them (the `quanzi screen` contract)."""

    requests: list[dict[str, Any]] = Field(max_length=MAX_SCREEN)
    rules: str = ""


@router.get(
    "/requests",
    summary="入群申请（默认审核队列）",
    response_model=list[RequestItem],
    responses=ERRORS,
)
def get_requests(
    request: Request,
    operator: Reader,
    verdict: str | None = "review",
    community: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """List join requests, newest first; `verdict=` (empty) lists every verdict."""
    items = review.list_requests(
        engine_of(request), verdict=verdict or None, community=community, limit=min(limit, 1000)
    )
    return [item.__dict__ for item in items]


@router.post("/decisions", summary="审核决定（可批量）", responses=ERRORS)
def post_decisions(request: Request, body: DecisionBody, operator: Writer) -> dict[str, int]:
    """Approve or reject requests with a reason; each decision is kept and audited."""
    count = review.decide_requests(
        engine_of(request), body.ids, body.decision, body.reason, operator.username
    )
    return {"decided": count}


@router.get("/rules", summary="规则集（TOML）", responses=ERRORS)
def get_rules(request: Request, operator: Reader, community: str | None = None) -> dict[str, Any]:
    """Return a community's own rules (or the installation's) and the built-in default."""
    text = review.rules_text(engine_of(request), community)
    return {"community": community, "text": text, "default": filter_rules.DEFAULT_TOML}


@router.put("/rules", summary="保存规则集", responses=ERRORS)
def put_rules(request: Request, body: RulesBody, operator: Writer) -> dict[str, Any]:
    """Validate and save a rule set; a bad one is refused with its line."""
    review.save_rules(engine_of(request), body.community, body.text, operator.username)
    return {"community": body.community, "saved": True}


@router.post("/dry-run", summary="规则试运行", responses=ERRORS)
def post_dry_run(request: Request, body: DryRunBody, operator: Reader) -> dict[str, Any]:
    """Run rules on the community's latest requests and show what would change."""
    result = replay(engine_of(request), body.community, limit=body.limit, rules=body.text)
    return {
        "summary": result.summary(),
        "rows": [
            {"id": r.id, "name": r.name, "was": r.was, "now": r.now, "reasons": r.reasons}
            for r in result.rows
        ],
    }


@router.post("/screen", summary="判定入群申请（不入库）", responses=ERRORS)
def post_screen(body: ScreenBody, operator: Reader) -> list[dict[str, Any]]:
    """Screen requests as `quanzi screen` does: one verdict with reasons per request."""
    try:
        screener = Screener(filter_rules.load(body.rules))
    except filter_rules.RulesError as exc:
        raise InvalidInput(str(exc), code="invalid_rules") from None
    history = StreamHistory(screener)
    out = []
    for index, raw in enumerate(body.requests, start=1):
        try:
            item = request_from_raw(raw)
        except EventError as exc:
            raise InvalidInput(f"第 {index} 个申请：{exc}") from None
        verdict = screener.screen(item, history.before(item))
        history.record(item, verdict)
        out.append(verdict.to_dict(item.id))
    return out


@router.get("/strata", summary="意向分层", responses=ERRORS)
def get_strata(request: Request, operator: Reader) -> list[dict[str, Any]]:
    """Active members of each community by stratum (strong / intent / weak / unknown)."""
    view = build_strata(engine_of(request))
    return [{"community": r.key, **r.counts, "unknown": r.unknown} for r in view.communities]
