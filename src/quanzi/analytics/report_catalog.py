"""Every heavy console report, declared once: its computation, its classes, its variants."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quanzi.analytics import ladder, overview
from quanzi.analytics.attract_campaign_views import campaign_ledger
from quanzi.analytics.attract_fission import fission_page
from quanzi.analytics.attract_influence import reach_page
from quanzi.analytics.filter_strata import Arrival, StrataRow, StrataView, build_strata
from quanzi.analytics.groupbuy import gmv_report
from quanzi.analytics.ladder_tasks import TaskFigures, all_task_figures
from quanzi.analytics.ladder_views import offer_rows, segment_rows
from quanzi.analytics.reports import REPORTS, Report, declare
from quanzi.analytics.retain_churn import churn_page, page_with_stages
from quanzi.analytics.retain_health import health_report
from quanzi.analytics.retain_questions import questions_page
from quanzi.analytics.retain_stages import stages_page
from quanzi.domain.ladder import LadderReport, Rung, RungFigures, StepUp
from quanzi.domain.ladder_tasks import GroupRate, Progress, TaskEffect
from quanzi.domain.retain_questions import ChatMessage, Question
from quanzi.store import models as m
from quanzi.store.models_attract import Campaign

__all__ = ["REPORTS"]


def _ladders(session: Session) -> list[dict[str, Any]]:
    keys = ladder.ladder_keys(session)
    return [{"ladder": None}, *({"ladder": k} for k in keys)] if keys else []


def _campaigns(session: Session) -> list[dict[str, Any]]:
    return [{"key": k} for k in session.scalars(select(Campaign.key).order_by(Campaign.key))]


def plays_page(engine: Any) -> dict[str, Any]:
    """The plays page's figures: each task's progress and effect, segment and offer counts."""
    return {
        "tasks": all_task_figures(engine),
        "segments": segment_rows(engine),
        "offers": offer_rows(engine),
    }


def _first_community(session: Session) -> list[dict[str, Any]]:
    first = session.scalar(select(m.Community.key).order_by(m.Community.key).limit(1))
    return [{"community": None}] if first is not None else []


# The segments of the plays page and the stages page read people's stages; the others do
# not, so a stage recompute leaves their snapshots current. The churn lists show stages, but
# they are looked up at each read (`finish`), so its heavy part is stage-free too.
declare(Report("overview", 1, overview.build_overview, (
    overview.Overview, overview.CommunityRow, overview.DayFlow, overview.KindCount,
    overview.Totals), reads_stages=False))  # fmt: skip
declare(Report("ladder", 1, ladder.build_ladder, (
    ladder.LadderView, ladder.Benefit, LadderReport, RungFigures, StepUp, Rung),
    variants=_ladders, reads_stages=False))  # fmt: skip
declare(Report("ladder_plays", 1, plays_page, (TaskFigures, Progress, TaskEffect, GroupRate)))
declare(Report("retain_stages", 1, stages_page))
declare(Report("retain_health", 1, health_report, reads_stages=False))
declare(Report("retain_questions", 1, questions_page, (Question, ChatMessage),
               variants=_first_community, reads_stages=False))  # fmt: skip
declare(Report("retain_churn", 2, churn_page, reads_stages=False, finish=page_with_stages))
declare(Report("fission", 1, fission_page, variants=lambda s: [{"campaign": None}],
               reads_stages=False))  # fmt: skip
declare(Report("fission_reach", 2, reach_page, reads_stages=False))
declare(Report("campaign", 1, campaign_ledger, variants=_campaigns, reads_stages=False))
declare(Report("groupbuy", 1, gmv_report, reads_stages=False))
declare(Report("filter_strata", 1, build_strata, (StrataView, StrataRow, Arrival),
               reads_stages=False))  # fmt: skip
