"""Human review of screening: the queue, decisions, rule sets, the avatar blocklist."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from quanzi.domain import filter_rules
from quanzi.errors import InvalidInput, NotFound
from quanzi.services.audit import audit
from quanzi.store import models as m
from quanzi.store import models_filter as mf
from quanzi.store.db import reading, transaction
from quanzi.store.models import utcnow

DECISIONS = {"admit": "通过", "reject": "拒绝"}
MAX_NOTE = 300
PHASH = re.compile(r"^phash:[0-9a-f]{16}$")


@dataclass(frozen=True)
class QueueItem:
    """One join request as the console lists it."""

    id: int
    ts: datetime
    community: str
    community_name: str
    person: str
    name: str | None
    comment: str | None
    avatar: str | None
    source: str | None
    verdict: str | None
    reasons: list[dict[str, Any]]
    decided_by: str | None


def community_id(session: Session, key: str) -> int:
    """Return a community's row id, or raise NotFound in Chinese."""
    found = session.scalar(select(m.Community.id).where(m.Community.key == key))
    if found is None:
        raise NotFound(f"没有社群 {key}", code="community_not_found")
    return found


def list_requests(
    engine: Engine,
    *,
    verdict: str | None = "review",
    community: str | None = None,
    limit: int = 200,
) -> list[QueueItem]:
    """List join requests, newest first: by default the review queue (verdict `review`)."""
    jr, c, p = m.JoinRequest, m.Community, m.Person
    query = (
        select(jr, c.key, c.name, p.key)
        .join(c, c.id == jr.community_id)
        .join(p, p.id == jr.person_id)
        .order_by(jr.ts.desc(), jr.id.desc())
        .limit(limit)
    )
    if verdict:
        query = query.where(jr.verdict == verdict)
    if community:
        query = query.where(c.key == community)
    with reading(engine) as session:
        return [
            QueueItem(
                id=row.id,
                ts=row.ts,
                community=ckey,
                community_name=cname,
                person=pkey,
                name=row.name,
                comment=row.comment,
                avatar=row.avatar,
                source=row.source,
                verdict=row.verdict,
                # The column is typed list[str]; screening stores {rule, detail, action} objects.
                reasons=cast(list[dict[str, Any]], list(row.reasons or [])),
                decided_by=row.decided_by,
            )
            for row, ckey, cname, pkey in session.execute(query)
        ]


def queue_counts(engine: Engine) -> dict[str, int]:
    """Count join requests by current verdict."""
    jr = m.JoinRequest
    with reading(engine) as session:
        rows = session.execute(select(jr.verdict, func.count()).group_by(jr.verdict))
        return {str(verdict): count for verdict, count in rows}


def decide_requests(engine: Engine, ids: list[int], decision: str, note: str, actor: str) -> int:
    """Record a reviewer's decision on requests (approve or reject, with a reason); audited."""
    if decision not in DECISIONS:
        raise InvalidInput(f"决定 {decision!r} 无效，应为 admit（通过）或 reject（拒绝）")
    note = note.strip()
    if decision == "reject" and not note:
        raise InvalidInput("拒绝时请写明理由", code="reason_required")
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"理由最多 {MAX_NOTE} 字")
    if not ids:
        raise InvalidInput("请至少选择一条申请")
    now = utcnow()
    with transaction(engine) as session:
        rows = list(session.scalars(select(m.JoinRequest).where(m.JoinRequest.id.in_(ids))))
        missing = sorted(set(ids) - {row.id for row in rows})
        if missing:
            raise NotFound(f"没有这些入群申请：{'、'.join(map(str, missing))}")
        for row in rows:
            session.add(
                mf.ScreenReview(
                    join_request_id=row.id,
                    before=row.verdict,
                    after=decision,
                    note=note,
                    actor=actor,
                    ts=now,
                )
            )
            audit(
                session,
                actor,
                "screening.decide",
                f"join_request:{row.id}",
                before=row.verdict,
                after=decision,
                note=note,
            )
            row.verdict = decision
            row.decided_by = actor
            row.decided_at = now
    return len(rows)


def reviews_of(engine: Engine, request_id: int) -> list[mf.ScreenReview]:
    """Return the decisions taken on one request, oldest first."""
    with reading(engine) as session:
        query = (
            select(mf.ScreenReview)
            .where(mf.ScreenReview.join_request_id == request_id)
            .order_by(mf.ScreenReview.id)
        )
        return list(session.scalars(query))


def rules_text(engine: Engine, community: str | None) -> str:
    """Return the stored rule text of a community (or of the installation when None)."""
    from quanzi.services.screening import rules_texts

    with reading(engine) as session:
        if community is None:
            return rules_texts(session, None)[0]
        return rules_texts(session, community_id(session, community))[1]


def save_rules(engine: Engine, community: str | None, text: str, actor: str) -> None:
    """Validate and store a rule set (TOML); a bad one is refused with its line number."""
    from quanzi.services.screening import rules_texts

    with transaction(engine) as session:
        cid = community_id(session, community) if community is not None else None
        base = rules_texts(session, None)[0] if cid is not None else ""
        try:
            if cid is None:
                filter_rules.load(text, names=("全局规则",))
            else:
                filter_rules.load(base, text, names=("全局规则", "社群规则"))
        except filter_rules.RulesError as exc:
            raise InvalidInput(str(exc), code="invalid_rules") from None
        row = session.scalar(
            select(mf.FilterRules).where(
                mf.FilterRules.community_id.is_(None)
                if cid is None
                else mf.FilterRules.community_id == cid
            )
        )
        now = utcnow()
        if row is None:
            row = mf.FilterRules(community_id=cid, source=text, updated_at=now, updated_by=actor)
            session.add(row)
        before = row.source
        row.source, row.updated_at, row.updated_by = text, now, actor
        audit(
            session,
            actor,
            "screening.rules",
            f"community:{community}" if community else "rules:global",
            before=before if before != text else None,
            after=text,
        )


def phash_of_image(path: Path) -> str:
    """Compute an image file's 64-bit perceptual hash as `phash:<16 hex>` (Pillow + imagehash)."""
    try:
        import imagehash
        from PIL import Image
    except ImportError:
        raise InvalidInput(
            "从图片计算头像哈希需要 Pillow 和 imagehash：pip install Pillow imagehash；"
            "也可以直接给出 phash:<16 位十六进制>",
            code="missing_dependency",
        ) from None
    try:
        with Image.open(path) as image:
            return f"phash:{imagehash.phash(image)}"
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"无法读取图片 {path}：{exc}", code="invalid_image") from None


def add_avatars(engine: Engine, hashes: list[str], note: str, actor: str) -> int:
    """Add perceptual hashes to the blocklist; return how many were new."""
    cleaned = []
    for value in hashes:
        value = value.strip().lower()
        if not PHASH.match(value):
            raise InvalidInput(f"头像哈希 {value!r} 无效，应为 phash:<16 位十六进制>")
        cleaned.append(value)
    now = utcnow()
    with transaction(engine) as session:
        known = set(session.scalars(select(mf.AvatarBlock.phash)))
        fresh = sorted(set(cleaned) - known)
        for value in fresh:
            session.add(mf.AvatarBlock(phash=value, note=note, added_by=actor, added_at=now))
        if fresh:
            audit(session, actor, "screening.avatars", "avatar_block", added=fresh, note=note)
    return len(fresh)
