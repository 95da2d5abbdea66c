"""Screening at ingest, strata, reviewers' decisions, rule sets and backtests, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select

from quanzi.errors import InvalidInput
from quanzi.services import screening_review as review
from quanzi.services.ingest import ingest_objects
from quanzi.services.screening_replay import replay
from quanzi.store import models as m
from quanzi.store import models_filter as mf
from quanzi.store.db import reading

STOCK = "phash:c3c3e1f0f8783c1e"
Q = "问题：你是怎么知道我们的？\n答案："


def ev(event_id: str, ts: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "ts": f"2026-05-{ts}+08:00",
        "kind": kind,
        "community": "qq-a",
        **fields,
    }


def world() -> list[dict[str, Any]]:
    """Two QQ groups; a seller kicked from one asks into the other; rings, bursts, buyers."""
    events = [
        ev("c1", "01T09:00:00", "community", name="粉丝群", carrier="qq", price=0),
        ev("c2", "01T09:00:00", "community", community="qq-b", name="种植群", carrier="qq"),
        ev("j1", "01T10:00:00", "join", person="qq:100", name="老会员", source="official_account"),
        ev("j2", "01T10:05:00", "join", person="qq:200", name="卖货的", source="fission_poster"),
        ev("l1", "02T10:00:00", "leave", person="qq:200", reason="kick"),
        ev("j3", "01T11:00:00", "join", person="qq:300", name="小张", source="new_media"),
        ev("l2", "02T11:00:00", "leave", person="qq:300", reason="leave"),
        # 03: the kicked seller asks into the other group; a friend of theirs asks too.
        ev("r1", "03T09:00:00", "join_request", community="qq-b", person="qq:200", name="卖货的"),
        ev("r2", "03T09:10:00", "join_request", person="qq:201", name="小李", inviter="qq:200"),
        ev("r3", "03T09:20:00", "join_request", person="qq:300", name="小张", comment=Q + "回来了"),
        # Three accounts with one stock avatar: the third is a ring.
        *[
            ev(
                f"s{n}",
                f"04T1{n}:00:00",
                "join_request",
                person=f"qq:40{n}",
                name=f"用户{n}",
                avatar=STOCK,
                comment=Q + "看到的",
            )
            for n in range(3)
        ],
        # Five requests through one invite code inside an hour: the fifth is a burst.
        *[
            ev(
                f"b{n}",
                f"05T10:{n * 10:02d}:00",
                "join_request",
                person=f"qq:50{n}",
                name=f"新人{n}",
                via="YQ-ABC",
            )
            for n in range(5)
        ],
        ev(
            "r4",
            "06T10:00:00",
            "join_request",
            person="qq:600",
            name="A小美护肤",
            comment=Q + "加我vx：meimei8899",
            source="fission_poster",
        ),
        ev(
            "r5",
            "06T11:00:00",
            "join_request",
            person="qq:700",
            name="乐乐",
            source="friend",
            level=0,
            registered="2026-05-05",
        ),
        # Later the rejected spammer and a reviewed newcomer buy something.
        ev("p1", "20T12:00:00", "purchase", person="qq:600", item="grapes", amount=79),
        ev("p2", "21T12:00:00", "purchase", person="qq:504", item="grapes", amount=50.5),
        ev("p3", "21T12:00:00", "purchase", person="qq:100", item="tier:qq-a", amount=100),
        ev("j4", "06T12:00:00", "join", person="qq:800", name="海报来的", source="fission_poster"),
        ev("a1", "07T20:00:00", "activity", person="qq:100", organ="salon", activity="act1"),
        ev("t1", "07T20:30:00", "attend", person="qq:800", activity="act1"),
    ]
    return events


def verdicts(engine: Engine) -> dict[str, tuple[str, list[str]]]:
    with reading(engine) as session:
        query = select(m.Person.key, m.JoinRequest.verdict, m.JoinRequest.reasons).join(
            m.Person, m.Person.id == m.JoinRequest.person_id
        )
        return {
            key: (v, [r["rule"] for r in reasons]) for key, v, reasons in session.execute(query)
        }


EXPECTED = {
    "qq:200": ("reject", ["history.kicked"]),
    "qq:201": ("review", ["history.inviter"]),
    "qq:300": ("admit", ["history.left"]),
    "qq:400": ("admit", []),
    "qq:401": ("admit", []),
    "qq:402": ("review", ["avatar.ring"]),
    "qq:500": ("admit", []),
    "qq:501": ("admit", []),
    "qq:502": ("admit", []),
    "qq:503": ("admit", []),
    "qq:504": ("review", ["burst.code"]),
    "qq:600": ("reject", ["name.a_prefix", "comment.contact"]),
    "qq:700": ("review", ["name.reduplicated", "account.level", "account.age"]),
}


@pytest.mark.parametrize("batch_size", [1, 7, 1000])
def test_ingest_screens_every_request_whatever_the_batches(engine: Engine, batch_size: int) -> None:
    report = ingest_objects(engine, world(), batch_size=batch_size)
    assert report.stored == len(world()) and not report.rejected
    assert verdicts(engine) == EXPECTED
    with reading(engine) as session:
        row = session.scalars(select(m.JoinRequest).where(m.JoinRequest.via == "YQ-ABC")).all()[-1]
        assert row.decided_by == "rules"
        assert row.reasons == [
            {
                "rule": "burst.code",
                "detail": "同一邀请码 60 分钟内带来 5 个申请",
                "action": "review",
            }
        ]


def test_strata_are_set_at_join_and_raised_by_deeds(engine: Engine) -> None:
    ingest_objects(engine, world())
    with reading(engine) as session:
        strata = dict(session.execute(select(m.Person.key, m.Person.stratum)).all())
    # Official account → strong; new media → intent; poster → weak, raised to intent by
    # attending; purchases make strong, even for someone who never joined.
    assert strata["qq:100"] == "strong"
    assert strata["qq:300"] == "intent"
    assert strata["qq:200"] == "weak"
    assert strata["qq:800"] == "intent"
    assert strata["qq:600"] == "strong"
    assert strata["qq:700"] is None


def test_review_queue_and_audited_decisions(engine: Engine) -> None:
    ingest_objects(engine, world())
    queue = review.list_requests(engine)
    assert [item.person for item in queue] == ["qq:700", "qq:504", "qq:402", "qq:201"]
    assert review.queue_counts(engine) == {"admit": 7, "review": 4, "reject": 2}
    with pytest.raises(InvalidInput, match="拒绝时请写明理由"):
        review.decide_requests(engine, [queue[0].id], "reject", "  ", "ops")
    assert review.decide_requests(engine, [q.id for q in queue[:2]], "admit", "", "ops") == 2
    assert review.decide_requests(engine, [queue[2].id], "reject", "盗图头像", "admin") == 1
    assert review.queue_counts(engine) == {"admit": 9, "review": 1, "reject": 3}
    history = review.reviews_of(engine, queue[2].id)
    assert [(h.before, h.after, h.note, h.actor) for h in history] == [
        ("review", "reject", "盗图头像", "admin")
    ]
    with reading(engine) as session:
        audit = session.scalars(select(m.AuditLog).order_by(m.AuditLog.id)).all()
        assert [(a.action, a.actor, a.detail["after"]) for a in audit] == [
            ("screening.decide", "ops", "admit"),
            ("screening.decide", "ops", "admit"),
            ("screening.decide", "admin", "reject"),
        ]
        row = session.get(m.JoinRequest, queue[2].id)
        assert row is not None and (row.verdict, row.decided_by) == ("reject", "admin")


def test_rules_are_validated_saved_and_used_by_later_ingests(engine: Engine) -> None:
    ingest_objects(engine, world()[:2])
    with pytest.raises(InvalidInput, match=r"社群规则第 2 行：规则 name\.reduplicated 的 action"):
        review.save_rules(engine, "qq-a", '[rules."name.reduplicated"]\naction = "ban"\n', "ops")
    review.save_rules(engine, "qq-a", '[rules."name.reduplicated"]\naction = "reject"\n', "ops")
    review.save_rules(engine, None, 'blacklist = ["qq:900"]\n', "admin")
    assert review.rules_text(engine, "qq-a").startswith('[rules."name.reduplicated"]')
    assert (
        review.add_avatars(engine, [STOCK, STOCK.upper().replace("PHASH", "phash")], "网红", "ops")
        == 1
    )
    with pytest.raises(InvalidInput, match="头像哈希"):
        review.add_avatars(engine, ["phash:zz"], "", "ops")
    near = "phash:c3c3e1f0f8783c1f"
    ingest_objects(
        engine,
        [
            ev("x1", "08T10:00:00", "join_request", person="qq:901", name="乐乐"),
            ev("x2", "08T10:00:00", "join_request", person="qq:900", name="正常人"),
            ev("x3", "08T10:00:00", "join_request", person="qq:902", name="正常人", avatar=near),
            ev("x4", "08T10:00:00", "join_request", community="qq-b", person="qq:903", name="乐乐"),
        ],
    )
    got = verdicts(engine)
    assert got["qq:901"] == ("reject", ["name.reduplicated"])
    assert got["qq:900"] == ("reject", ["blacklist"])
    assert got["qq:902"] == ("reject", ["avatar.blocklist"])
    assert got["qq:903"] == ("admit", ["name.reduplicated"])  # the other group keeps defaults
    with reading(engine) as session:
        assert (
            session.scalar(
                select(mf.FilterRules.updated_by).where(mf.FilterRules.community_id.is_(None))
            )
            == "admin"
        )
        actions = session.scalars(select(m.AuditLog.action).order_by(m.AuditLog.id)).all()
        assert actions == ["screening.rules", "screening.rules", "screening.avatars"]


def test_backtest_prices_false_positives(engine: Engine) -> None:
    ingest_objects(engine, world())
    since = datetime(2026, 5, 1, tzinfo=UTC)
    stored = replay(engine, "qq-a", since=since).summary()
    assert stored["requests"] == 12
    assert stored["verdicts"] == {"admit": 7, "review": 4, "reject": 1}
    assert stored["changed"] == 0
    assert (stored["rejected_buyers"], stored["rejected_revenue"]) == (1, 79.0)
    assert stored["review_buyers"] == 1
    strict = (
        '[rules."burst.code"]\naction = "reject"\n[rules."comment.contact"]\naction = "review"\n'
    )
    tried = replay(engine, "qq-a", since=since, rules=strict).summary()
    assert tried["verdicts"] == {"admit": 7, "review": 4, "reject": 1}
    assert tried["changed"] == 2
    assert (tried["rejected_buyers"], tried["rejected_revenue"]) == (1, 50.5)
    recent = replay(engine, "qq-a", limit=3)
    assert [row.person for row in recent.rows] == ["qq:700", "qq:600", "qq:504"]
    with pytest.raises(InvalidInput, match="第 1 行"):
        replay(engine, "qq-a", limit=3, rules="x = ")
