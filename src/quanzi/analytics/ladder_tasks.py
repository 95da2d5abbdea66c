"""Step-up tasks read from the store: who may take part, what they did, who stepped up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, literal_column, select
from sqlalchemy.orm import Session

from quanzi.analytics.ladder import load_presences
from quanzi.analytics.overview import BUCKET_SECONDS, epoch_bucket
from quanzi.config import get_settings
from quanzi.domain.ladder import TIER_PREFIX, stays_from, tier_item
from quanzi.domain.ladder_tasks import (
    Deed,
    Progress,
    TaskEffect,
    TaskRule,
    reward_price,
    task_effect,
    task_progress,
)
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.store.models_ladder import StepTask, TaskRedemption


@dataclass
class TaskView:
    """A task with everyone's progress, its effect, and its recorded redemptions."""

    task: StepTask
    community: str
    community_name: str
    target: str
    target_name: str
    list_price: float
    progress: dict[str, Progress] = field(default_factory=dict)
    effect: TaskEffect | None = None
    redemptions: int = 0

    @property
    def reward_price(self) -> float:
        """Return the next rung's price with the reward."""
        return reward_price(self.list_price, self.task.reward_kind, self.task.reward_value)

    @property
    def completers(self) -> list[Progress]:
        """Return who completed, earliest first."""
        done = [p for p in self.progress.values() if p.completed_at is not None]
        return sorted(done, key=lambda p: p.completed_at or datetime.max.replace(tzinfo=UTC))

    def leaders(self, limit: int = 20) -> list[Progress]:
        """Return the people furthest along, completers first."""
        return sorted(self.progress.values(), key=lambda p: (-p.value, p.person))[:limit]


def eligible(session: Session, task: StepTask, community: str) -> set[str]:
    """Members of the task's rung during its window, crew left out, not already up a rung."""
    stays = stays_from(load_presences(session, {task.community_id: community}))
    people = {s.person for s in stays if s.overlaps(task.starts_at, task.ends_at)}
    target = session.get(m.Community, task.target_community_id)
    assert target is not None
    before = (
        select(m.Person.key)
        .join(m.Order, m.Order.person_id == m.Person.id)
        .where(
            m.Order.item == tier_item(target.key),
            m.Order.status == "paid",
            m.Order.ts < task.starts_at,
        )
    )
    return people - set(session.scalars(before))


def _window(column: Any, task: StepTask) -> list[Any]:
    return [column >= task.starts_at, column <= task.ends_at]


def deeds(session: Session, task: StepTask) -> list[Deed]:
    """Return what people did in the window that the task's metric counts."""
    here = None if task.anywhere else task.community_id
    if task.metric == "attend":
        attended = (
            select(m.Person.key, m.Attendance.ts, m.Activity.key)
            .join(m.Activity, m.Activity.id == m.Attendance.activity_id)
            .join(m.Person, m.Person.id == m.Attendance.person_id)
            .where(*_window(m.Attendance.ts, task))
        )
        if here is not None:
            attended = attended.where(m.Activity.community_id == here)
        return [Deed(person, ts, key) for person, ts, key in session.execute(attended)]
    if task.metric == "speak_days":
        # Quarter hours regroup exactly into local days (see analytics.overview).
        bucket = epoch_bucket(m.Event.ts, literal_column(str(BUCKET_SECONDS)))
        spoke = (
            select(m.Person.key, bucket)
            .join(m.Person, m.Person.id == m.Event.person_id)
            .where(m.Event.kind == "message", *_window(m.Event.ts, task))
            .distinct()
        )
        if here is not None:
            spoke = spoke.where(m.Event.community_id == here)
        return [
            Deed(person, datetime.fromtimestamp(int(start) * BUCKET_SECONDS, UTC), "")
            for person, start in session.execute(spoke)
        ]
    if task.metric == "invite":
        inviter = m.Event.payload["inviter"].as_string()
        joined = (
            select(inviter, m.Event.ts, m.Person.key)
            .join(m.Person, m.Person.id == m.Event.person_id)
            .join(
                m.Membership,
                (m.Membership.person_id == m.Event.person_id)
                & (m.Membership.community_id == m.Event.community_id),
            )
            # A friend kicked out (a spam account, say) is not a valid friend.
            .where(m.Event.kind == "join", m.Membership.status != "kicked", inviter.is_not(None))
            .where(*_window(m.Event.ts, task))
        )
        return [Deed(who, ts, friend) for who, ts, friend in session.execute(joined)]
    spent = (
        select(m.Person.key, m.Order.ts, m.Order.order_key, m.Order.amount)
        .join(m.Person, m.Person.id == m.Order.person_id)
        .where(m.Order.status == "paid", m.Order.item.not_like(f"{TIER_PREFIX}%"))
        .where(*_window(m.Order.ts, task))
    )
    return [Deed(p, ts, key, amount) for p, ts, key, amount in session.execute(spent)]


def stepped_up(session: Session, task: StepTask, target: str) -> dict[str, tuple[int, datetime]]:
    """Return who bought the next rung from the window's start to the redemption deadline."""
    query = (
        select(m.Person.key, m.Order.id, m.Order.ts)
        .join(m.Person, m.Person.id == m.Order.person_id)
        .where(m.Order.item == tier_item(target), m.Order.status == "paid")
        .where(m.Order.ts >= task.starts_at, m.Order.ts <= task.redeem_until)
        .order_by(m.Order.ts, m.Order.id)
    )
    found: dict[str, tuple[int, datetime]] = {}
    for person, order_id, ts in session.execute(query):
        found.setdefault(person, (order_id, ts))
    return found


@dataclass
class TaskFigures:
    """What a task's view computes from the log: progress, effect, redemptions."""

    progress: dict[str, Progress] = field(default_factory=dict)
    effect: TaskEffect | None = None
    redemptions: int = 0


def _shell(session: Session, task: StepTask) -> TaskView:
    rung = session.get(m.Community, task.community_id)
    target = session.get(m.Community, task.target_community_id)
    assert rung is not None and target is not None
    return TaskView(task, rung.key, rung.name or rung.key, target.key, target.name, target.price)


def task_figures(session: Session, task: StepTask, tz: ZoneInfo) -> TaskFigures:
    """Compute one task's progress, effect and redemptions."""
    rung = session.get(m.Community, task.community_id)
    target = session.get(m.Community, task.target_community_id)
    assert rung is not None and target is not None
    rule = TaskRule(task.metric, task.target, task.starts_at, task.ends_at)
    people = eligible(session, task, rung.key)
    progress = task_progress(rule, deeds(session, task), people, tz)
    effect = task_effect(progress, stepped_up(session, task, target.key))
    redemptions = len(
        list(session.scalars(select(TaskRedemption.id).where(TaskRedemption.task_id == task.id)))
    )
    return TaskFigures(progress, effect, redemptions)


def task_view(session: Session, task: StepTask, tz: ZoneInfo) -> TaskView:
    """Compute one task's progress, effect and redemptions."""
    return with_figures(_shell(session, task), task_figures(session, task, tz))


def with_figures(view: TaskView, figures: TaskFigures) -> TaskView:
    """Put a task's computed figures into its view."""
    view.progress, view.effect, view.redemptions = (
        figures.progress,
        figures.effect,
        figures.redemptions,
    )
    return view


def _tasks(key: str | None) -> Any:
    query = select(StepTask).order_by(StepTask.created_at.desc(), StepTask.id.desc())
    return query.where(StepTask.key == key) if key is not None else query


def task_views(engine: Engine, key: str | None = None) -> list[TaskView]:
    """Return every task (or the one named), newest first."""
    tz = ZoneInfo(get_settings().timezone)
    with reading(engine) as session:
        return [task_view(session, task, tz) for task in session.scalars(_tasks(key))]


def all_task_figures(engine: Engine) -> dict[str, TaskFigures]:
    """Return every task's figures by task key (what the plays page keeps as a snapshot)."""
    tz = ZoneInfo(get_settings().timezone)
    with reading(engine) as session:
        return {task.key: task_figures(session, task, tz) for task in session.scalars(_tasks(None))}


def task_shells(engine: Engine) -> list[TaskView]:
    """Return every task's view without its figures (its settings and rungs), newest first."""
    with reading(engine) as session:
        return [_shell(session, task) for task in session.scalars(_tasks(None))]
