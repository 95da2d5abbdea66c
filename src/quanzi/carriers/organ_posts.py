"""Scheduled organ posts: which SOP slots (daily topic, daily report) a bound group owes now."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from quanzi.analytics.retain_calendar import templates_of
from quanzi.analytics.retain_common import zone
from quanzi.analytics.retain_report import daily_report
from quanzi.domain.retain_sop import schedule
from quanzi.store import models as m
from quanzi.store.db import reading

# The organs a bot can run by itself; salons and KOL shares need people.
POSTED = ("daily_topic", "daily_report")


@dataclass(frozen=True)
class OrganPost:
    """One slot a group is due to get: what to post, and the event that records it."""

    group: int
    community: str
    organ: str
    title: str
    text: str
    event_id: str

    def event(self, now: datetime) -> dict[str, Any]:
        """The `activity` event that marks the slot done (same id for the same slot)."""
        return {"id": self.event_id, "ts": now.isoformat(), "kind": "activity",
                "community": self.community, "organ": self.organ, "title": self.title,
                "activity": self.event_id}  # fmt: skip


def topic_of(row: m.Community, title: str, day: datetime) -> str:
    """Today's topic: the community's `rules.retain.topics` in turn, else the slot's title."""
    topics = [str(t) for t in (row.rules or {}).get("retain", {}).get("topics") or [] if t]
    topic = topics[day.toordinal() % len(topics)] if topics else title
    return f"【今日话题】{topic} 欢迎大家聊聊～"


def due_posts(engine: Engine, groups: dict[str, str], now: datetime) -> list[OrganPost]:
    """List the daily topics and reports that are due now and not yet done, per bound group."""
    tz = zone()
    local = now.astimezone(tz)
    today = local.date()
    posts = []
    with reading(engine) as session:
        for group, key in sorted(groups.items()):
            row = session.scalar(select(m.Community).where(m.Community.key == key))
            if row is None:
                continue
            done: dict[str, list[datetime]] = defaultdict(list)
            since = datetime.combine(today - timedelta(days=1), datetime.min.time(), tz)
            query = select(m.Activity.organ, m.Activity.ts).where(
                m.Activity.community_id == row.id, m.Activity.ts >= since
            )
            for organ, ts in session.execute(query):
                if organ and ts:
                    done[organ].append(ts)
            templates = [t for t in templates_of(row) if t.organ in POSTED]
            for slot in schedule(templates, done, today, today, now, tz):
                if slot.status != "due":
                    continue
                organ, title = slot.template.organ, slot.template.title
                event_id = f"qq:{group}:organ:{organ}:{slot.due.date().isoformat()}"
                text = topic_of(row, title, local) if organ == "daily_topic" else ""
                posts.append(OrganPost(int(group), key, organ, title, text, event_id))
    # Each report opens its own read, so it is written after the session above closes.
    return [
        replace(p, text=str(daily_report(engine, p.community, today)["text"]))
        if p.organ == "daily_report"
        else p
        for p in posts
    ]
