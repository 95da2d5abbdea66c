"""Questions of every community from one pass over the messages equal one query per community."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, event, select

from quanzi.analytics import retain_common
from quanzi.analytics.retain_questions import question_summary, questions_of, questions_of_many
from quanzi.services.ingest import ingest_objects
from quanzi.sim import SimConfig, simulate
from quanzi.store import models as m
from quanzi.store.db import reading


@pytest.fixture
def world(engine: Engine) -> Engine:
    ingest_objects(engine, simulate(SimConfig(seed=3, days=40, people=300)))
    return engine


@pytest.fixture(autouse=True)
def _no_memo() -> Iterator[None]:
    retain_common._MEMO.clear()
    yield
    retain_common._MEMO.clear()


def _message_queries(engine: Engine) -> list[str]:
    """Record every statement that reads the messages for the question finder."""
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "event.source_id" in statement and "event.kind" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen


def test_one_pass_equals_one_query_per_community(world: Engine) -> None:
    with reading(world) as session:
        rows = list(session.scalars(select(m.Community).order_by(m.Community.key)))
        newest = session.scalar(select(m.Event.ts).order_by(m.Event.ts.desc()).limit(1))
        assert newest is not None
        windows = [(None, None), (newest - timedelta(days=10), newest - timedelta(days=2))]
        for since, until in windows:
            alone = {}
            for row in rows:
                retain_common._MEMO.clear()  # each community from its own query
                alone[row.id] = questions_of(session, row, since, until)
            retain_common._MEMO.clear()
            queries = _message_queries(world)
            together = questions_of_many(session, rows, since, until)
            assert len(queries) == 1  # one read of the messages for every community
            assert together == alone
            assert sum(len(found) for found, _ in together.values()) > 20
            # and each community's result is kept for the page that asks for it next
            assert questions_of(session, rows[0], since, until) == alone[rows[0].id]
            assert len(queries) == 1
    assert len(rows) >= 3


def test_the_summary_of_all_communities_reads_the_messages_once(world: Engine) -> None:
    queries = _message_queries(world)
    every = question_summary(world)
    assert len(every) >= 3 and len(queries) == 1
    for line in every:
        retain_common._MEMO.clear()
        assert question_summary(world, line["community"]) == [line]


def test_the_collector_is_paused_for_the_pass_and_restored(
    world: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from quanzi.domain.retain_questions import ChatMessage, Question, QuestionFinder

    seen: list[bool] = []
    feed = QuestionFinder.feed

    def watched(self: QuestionFinder, msg: ChatMessage) -> None:
        seen.append(gc.isenabled())
        feed(self, msg)

    questions = QuestionFinder.questions

    def listed(self: QuestionFinder) -> list[Question]:
        seen.append(gc.isenabled())
        return questions(self)

    monkeypatch.setattr(QuestionFinder, "feed", watched)
    monkeypatch.setattr(QuestionFinder, "questions", listed)
    assert gc.isenabled()
    found = question_summary(world)
    assert seen and not any(seen)
    assert gc.isenabled()
    assert sum(line["questions"] for line in found) > 20


def test_collector_paused_restores_a_disabled_collector() -> None:
    import gc

    from quanzi.collector import collector_paused

    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before, so it stays off
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()  # restored after an error too
