"""Console pages backed by stored reports show exactly what a live computation shows.

On the demo world and on small hand-made worlds: the page computed live, read back from its
stored snapshot after a restart, and from memory are the same page; the figures whose
computation moved into SQL equal the old Python computation (kept here as the reference);
and a new event shows on the next visit, never a stale snapshot.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, or_, select, update
from tests.web.conftest import PASSWORDS, Account, log_in

from quanzi.analytics import cache
from quanzi.analytics.attract_campaign_views import campaign_fields, campaign_ledger, get_campaign
from quanzi.analytics.attract_campaign_views import campaign_view as campaign_view_now
from quanzi.analytics.groupbuy import drop_row, drops
from quanzi.analytics.ladder import build_ladder, rungs_of_ladder
from quanzi.analytics.report_catalog import REPORTS
from quanzi.analytics.retain_common import community
from quanzi.analytics.retain_person import TIMELINE, person_view
from quanzi.analytics.retain_stages import entries, stage_summary
from quanzi.domain.retain_stages import LABELS, STAGES
from quanzi.services import reports
from quanzi.services.ingest import ingest_objects
from quanzi.services.operators import add_operator
from quanzi.sim import SimConfig, simulate
from quanzi.store import migrate
from quanzi.store import models as m
from quanzi.store import models_retain as r
from quanzi.store.db import get_engine, reading, transaction
from quanzi.store.models_attract import Campaign
from quanzi.store.models_reports import ReportSnapshot
from quanzi.store.models_router import Drop
from quanzi.web.app import create_app

WORLDS = ("demo", "grape", "ladder", "attract")
PAGES = (
    "/", "/overview/live", "/filter", "/filter/rules", "/filter/strata", "/filter/moderation",
    "/ladder", "/ladder/plays", "/retain", "/retain/health", "/retain/calendar",
    "/retain/report", "/retain/questions", "/retain/churn", "/fission", "/fission/reach",
    "/fission/campaigns", "/groupbuy", "/carriers",
)  # fmt: skip
CSRF = re.compile(r'(name="csrf_token" value=")[^"]+|(csrf-token" content=")[^"]+')


def _build(world: str, url: str) -> None:
    engine = get_engine(url)
    migrate.upgrade(engine)
    if world == "demo":
        from quanzi.cli.demo import prepare_demo
        from quanzi.services.metrics_fill import update_metrics
        from quanzi.services.retain_stages import recompute_stages

        ingest_objects(engine, simulate(SimConfig(seed=1, days=60, people=400)))
        prepare_demo(engine)
        recompute_stages(engine)
        update_metrics(engine)
    elif world == "grape":
        from tests.retain.retain_fixture import EVENTS

        from quanzi.services.retain_stages import recompute_stages

        ingest_objects(engine, [dict(e) for e in EVENTS])
        recompute_stages(engine)
    elif world == "ladder":
        from tests.ladder.ladder_fixture import ladder_events

        ingest_objects(engine, ladder_events())
    else:
        from tests.attract.fixture import load

        load(engine)
    add_operator(engine, "viewer", PASSWORDS["viewer"], "viewer")
    engine.dispose()
    get_engine.cache_clear()


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each world built once; every test works on its own copy."""
    built: dict[str, Path] = {}
    for world in WORLDS:
        path = tmp_path_factory.mktemp(world) / "world.db"
        _build(world, f"sqlite:///{path}")
        built[world] = path
    return built


@pytest.fixture
def world_of(
    templates: dict[str, Path], tmp_path: Path
) -> Iterator[Callable[[str], tuple[Engine, TestClient]]]:
    """Copy a world, and return its engine and a logged-in console client."""
    opened: list[Engine] = []

    def open_world(world: str) -> tuple[Engine, TestClient]:
        path = tmp_path / f"{world}.db"
        shutil.copy(templates[world], path)
        url = f"sqlite:///{path}"
        engine = get_engine(url)
        opened.append(engine)
        client = TestClient(create_app(url), raise_server_exceptions=False)
        log_in(client, Account("viewer", PASSWORDS["viewer"]))
        return engine, client

    cache.forget()
    yield open_world
    for engine in opened:
        engine.dispose()
    get_engine.cache_clear()
    cache.forget()


def _keys(engine: Engine) -> dict[str, str | None]:
    with reading(engine) as session:
        invitee = session.scalar(
            select(m.Person.key).join(m.Invite, m.Invite.invitee_id == m.Person.id).limit(1)
        )
        return {
            "campaign": session.scalar(select(Campaign.key).order_by(Campaign.key).limit(1)),
            "drop": session.scalar(select(Drop.key).order_by(Drop.id).limit(1)),
            "person": invitee or session.scalar(select(m.Person.key).limit(1)),
            "community": session.scalar(
                select(m.Community.key).order_by(m.Community.key.desc()).limit(1)
            ),
            "ladder": session.scalar(
                select(m.Community.ladder).where(m.Community.ladder.is_not(None)).limit(1)
            ),
        }


def _pages(engine: Engine) -> list[str]:
    keys = _keys(engine)
    pages = [*PAGES, f"/retain/people/{keys['person']}",
             f"/retain/questions?community={keys['community']}",
             f"/filter/moderation?community={keys['community']}&days=90"]  # fmt: skip
    if keys["campaign"]:
        pages += [f"/fission/campaigns/{keys['campaign']}", f"/fission?campaign={keys['campaign']}"]
    if keys["drop"]:
        pages.append(f"/groupbuy/{keys['drop']}")
    if keys["ladder"]:
        pages.append(f"/ladder?ladder={keys['ladder']}")
    return pages


def _html(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.text[:300])
    return CSRF.sub(lambda found: (found.group(1) or found.group(2)) + "X", response.text)


def _visit(client: TestClient, pages: list[str]) -> dict[str, str]:
    return {path: _html(client, path) for path in pages}


def _wipe(engine: Engine) -> None:
    """A restart with no snapshot stored: the next visit computes live."""
    cache.forget()
    with transaction(engine) as session:
        session.execute(delete(ReportSnapshot))


@pytest.mark.parametrize("world", WORLDS)
def test_every_page_is_the_same_live_stored_and_from_memory(
    world: str, world_of: Callable[[str], tuple[Engine, TestClient]]
) -> None:
    engine, client = world_of(world)
    pages = _pages(engine)
    live = _visit(client, pages)
    with reading(engine) as session:
        stored = set(session.scalars(select(ReportSnapshot.name)))
    assert {"overview", "ladder_plays", "retain_stages", "fission", "groupbuy"} <= stored
    cache.forget()  # a restart: the pages read the stored snapshots
    assert _visit(client, pages) == live
    assert _visit(client, pages) == live  # and now from memory


@pytest.mark.parametrize("world", WORLDS)
def test_refreshed_reports_serve_the_first_visit(
    world: str,
    world_of: Callable[[str], tuple[Engine, TestClient]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine, client = world_of(world)
    pages = _pages(engine)
    live = _visit(client, pages)
    _wipe(engine)
    done = reports.refresh_reports(engine)
    assert done and not [d for d in done if d.error]
    cache.forget()

    def refuse(engine: Engine, **params: Any) -> Any:
        raise AssertionError("computed although refreshed")

    refreshed = {d.name for d in done}
    for name, report in list(REPORTS.items()):
        if name not in refreshed:
            continue  # no variant to keep ready (a store without a ladder, say)
        monkeypatch.setitem(REPORTS, name, dataclasses.replace(report, compute=refuse))
    defaults = [p for p in pages if "?" not in p and not p.startswith(("/retain/people",
                "/groupbuy/", "/fission/campaigns/"))]  # fmt: skip
    for path in defaults:
        assert _html(client, path) == live[path], path


def _figures(engine: Engine, names: list[str]) -> dict[tuple[str, str], Any]:
    """Each named report's usual variants, computed live."""
    with reading(engine) as session:
        planned = [(n, p) for n in names for p in REPORTS[n].variants(session)]
    return {(n, repr(p)): REPORTS[n].compute(engine, **p) for n, p in planned}


def _scramble_stages(engine: Engine) -> None:
    """Give everyone other stages, drop the stage history and engagement, add a stage run."""
    now = datetime.now(UTC)
    with transaction(engine) as session:
        ids = session.scalars(select(m.Person.id).order_by(m.Person.id)).all()
        for i, pid in enumerate(ids):
            session.execute(
                update(m.Person)
                .where(m.Person.id == pid)
                .values(stage=STAGES[(i * 3 + 1) % len(STAGES)], stage_reason="打乱")
            )
        session.execute(delete(r.StageChange))
        session.execute(delete(r.Engagement))
        session.add(r.StageRun(as_of=now, computed_at=now, last_event_id=0))


@pytest.mark.parametrize("world", WORLDS)
def test_reports_declared_stage_free_never_read_stages(
    world: str, world_of: Callable[[str], tuple[Engine, TestClient]]
) -> None:
    # A report declared stage-free keeps its snapshot through a stage recompute; were it
    # to read stages after all, it would show figures older than the stages page.
    engine, _ = world_of(world)
    free = [n for n, report in REPORTS.items() if not report.reads_stages]
    reading_stages = [n for n, report in REPORTS.items() if report.reads_stages]
    assert {"retain_stages", "ladder_plays"} <= set(reading_stages)
    assert "retain_churn" in free  # its lists' stages are looked up at each read
    free_before, stages_before = _figures(engine, free), _figures(engine, reading_stages)
    assert free_before
    _scramble_stages(engine)
    cache.forget()
    assert _figures(engine, free) == free_before
    if world in ("demo", "grape"):  # the scramble does reach the reports that read stages
        assert _figures(engine, reading_stages) != stages_before


def _listed(churn: dict[str, Any]) -> list[dict[str, Any]]:
    return [*churn["at_risk"], *churn["not_renewing"]]


def _shown_and_current(engine: Engine, churn: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """The stages the churn lists show, and the listed people's stages in the store."""
    with reading(engine) as session:
        now = dict(session.execute(select(m.Person.key, m.Person.stage)).all())
    listed = _listed(churn)
    return [row["stage"] for row in listed], [now[row["person"]] for row in listed]


@pytest.mark.parametrize("world", ["demo", "grape"])
def test_the_churn_lists_show_the_current_stages_without_recomputing_churn(
    world: str,
    world_of: Callable[[str], tuple[Engine, TestClient]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine, client = world_of(world)
    _wipe(engine)
    before = reports.current(engine, "retain_churn")["churn"]
    assert before["at_risk"]
    shown_before, current = _shown_and_current(engine, before)
    assert shown_before == current
    _scramble_stages(engine)
    cache.forget()

    def refuse(engine: Engine, **params: Any) -> Any:
        raise AssertionError("churn computed again after a stage recompute")

    monkeypatch.setitem(REPORTS, "retain_churn",
                        dataclasses.replace(REPORTS["retain_churn"], compute=refuse))  # fmt: skip
    after = reports.current(engine, "retain_churn")["churn"]
    shown, current = _shown_and_current(engine, after)
    assert shown == current != shown_before
    strip = [{k: v for k, v in row.items() if k != "stage"} for row in _listed(after)]
    assert strip == [{k: v for k, v in row.items() if k != "stage"} for row in _listed(before)]
    # The page shows them too: the first person at risk with their scrambled stage's label.
    first = after["at_risk"][0]
    html = _html(client, "/retain/churn")
    row = html[html.index(f'/retain/people/{quote(first["person"], safe="/")}"') :]
    assert f"<td>{LABELS[first['stage'] or 'user']}</td>" in row[: row.index("</tr>")]


@pytest.mark.parametrize("world", ["demo", "grape"])
def test_after_a_stage_recompute_only_the_stage_pages_are_computed_again(
    world: str,
    world_of: Callable[[str], tuple[Engine, TestClient]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from quanzi.services.retain_stages import recompute_stages

    engine, client = world_of(world)
    _wipe(engine)
    _visit(client, list(PAGES))  # every page's snapshot stored
    with reading(engine) as session:
        stored = set(session.scalars(select(ReportSnapshot.name)))
    recompute_stages(engine)
    cache.forget()
    computed: list[str] = []
    for name, report in list(REPORTS.items()):

        def counted(engine: Engine, _r: Any = report, **params: Any) -> Any:
            computed.append(_r.name)
            return _r.compute(engine, **params)

        monkeypatch.setitem(REPORTS, name, dataclasses.replace(report, compute=counted))
    for path in PAGES:
        _html(client, path)
    # A report that stored nothing (a page telling there is no ladder yet) is computed anyway.
    assert set(computed) & stored == {"retain_stages", "ladder_plays"}
    assert len(stored) >= 10


# Each bundle touches the figures of the pages named beside it.
def _bundle(engine: Engine, n: int) -> tuple[list[dict[str, Any]], list[str]]:
    with reading(engine) as session:
        newest = session.scalar(select(m.Event.ts).order_by(m.Event.ts.desc()).limit(1))
        rows = session.execute(select(m.Community.key, m.Community.model, m.Community.ladder)).all()
        member = session.execute(
            select(m.Person.key, m.Community.key)
            .join(m.Membership, m.Membership.person_id == m.Person.id)
            .join(m.Community, m.Community.id == m.Membership.community_id)
            .where(m.Membership.status == "active", m.Membership.role == "member")
            .limit(1)
        ).one()
    assert newest is not None
    ts = (newest.replace(microsecond=0)).isoformat().replace("+00:00", "Z")
    person, home = member
    router = next((k for k, model, _ in rows if model == "router" and k != home), home)
    rung = next((k for k, _, ladder in rows if ladder and k != home), home)
    new = f"wx:newcomer-{n}"
    events = [
        {"id": f"t{n}-join", "ts": ts, "kind": "join", "community": home, "person": new,
         "name": "新人", "source": "friend", "inviter": person},
        {"id": f"t{n}-invite", "ts": ts, "kind": "invite", "community": home, "person": person,
         "inviter": person, "invitee": new},
        {"id": f"t{n}-ask", "ts": ts, "kind": "message", "community": home, "person": new,
         "text": "请问什么时候发货？加微信 abc123 领优惠 http://spam.example", "msg_type": "text"},
        {"id": f"t{n}-buy", "ts": ts, "kind": "purchase", "community": router, "person": person,
         "item": "test-box", "amount": 12.5, "order": f"t{n}-o"},
        {"id": f"t{n}-tier", "ts": ts, "kind": "purchase", "community": rung, "person": new,
         "item": f"tier:{rung}", "amount": 100, "order": f"t{n}-t"},
    ]  # fmt: skip
    changed = ["/", "/overview/live", "/fission", "/filter/strata"]
    changed += ["/groupbuy"] if router != home else []
    changed += ["/ladder"] if rung != home else []
    return events, changed


@pytest.mark.parametrize("world", WORLDS)
def test_a_new_event_shows_on_the_next_visit(
    world: str, world_of: Callable[[str], tuple[Engine, TestClient]]
) -> None:
    engine, client = world_of(world)
    pages = _pages(engine)
    before = _visit(client, pages)
    cache.forget()
    _visit(client, pages)  # the stored snapshots are now of the old data
    events, changed = _bundle(engine, 1)
    report = ingest_objects(engine, events)
    assert report.stored == len(events) and not report.rejected
    after = _visit(client, pages)
    for path in changed:
        assert after[path] != before[path], path
    overview = reports.current(engine, "overview")
    assert f">{overview.totals.events:,}<" in after["/"]
    _wipe(engine)
    assert _visit(client, pages) == after  # what a live computation shows, page by page


# ---- the computations that moved into SQL, against the Python they replaced ----------


def old_stage_summary(engine: Engine, community_key: str | None = None) -> dict[str, Any]:
    """`stage_summary` as it was: every person and every stage change read into Python."""
    with reading(engine) as session:
        people = select(m.Person.id, m.Person.stage)
        if community_key is not None:
            cid = community(session, community_key).id
            members = select(m.Membership.person_id).where(m.Membership.community_id == cid)
            people = people.where(m.Person.id.in_(members))
        counts: Counter[str] = Counter()
        ids: set[int] = set()
        for pid, stage in session.execute(people):
            ids.add(pid)
            counts[stage or "user"] += 1
        moves = select(r.StageChange.person_id, r.StageChange.from_stage, r.StageChange.to_stage)
        flows: Counter[tuple[str, str]] = Counter()
        for pid, before, after in session.execute(moves):
            if before is not None and pid in ids:
                flows[(before, after)] += 1
    order = {s: i for i, s in enumerate(STAGES)}
    return {
        "stages": {stage: counts.get(stage, 0) for stage in STAGES},
        "flows": [
            {"from": a, "to": b, "count": n}
            for (a, b), n in sorted(flows.items(), key=lambda kv: (order[kv[0][0]],
                                                                     order[kv[0][1]]))
        ],
    }  # fmt: skip


def old_entries(engine: Engine) -> dict[str, int]:
    with reading(engine) as session:
        query = select(r.StageChange.to_stage).where(r.StageChange.from_stage.is_(None))
        counts = Counter(session.scalars(query))
    return {stage: counts.get(stage, 0) for stage in STAGES}


@pytest.mark.parametrize("world", ["demo", "grape"])
def test_stage_counts_flows_and_entries_equal_the_python_reference(
    world: str, world_of: Callable[[str], tuple[Engine, TestClient]]
) -> None:
    engine, _ = world_of(world)
    with reading(engine) as session:
        keys = list(session.scalars(select(m.Community.key)))
        assert session.scalar(select(r.StageChange.id).limit(1)) is not None
    assert stage_summary(engine) == old_stage_summary(engine)
    for key in keys:
        assert stage_summary(engine, key) == old_stage_summary(engine, key)
    assert entries(engine) == old_entries(engine)
    # A person with no stage yet counts as a user, in SQL as in Python.
    with transaction(engine) as session:
        first = session.scalar(select(m.Person).limit(1))
        assert first is not None
        first.stage = None
    assert stage_summary(engine) == old_stage_summary(engine)


def old_timeline(engine: Engine, key: str) -> list[dict[str, Any]]:
    """The person page's timeline as it was: one OR over the person and the payload."""
    with reading(engine) as session:
        person = session.scalars(select(m.Person).where(m.Person.key == key)).one()
        mentioned = m.Event.payload["invitee"].as_string() == key
        rows = session.execute(
            select(m.Event.ts, m.Event.kind, m.Event.community_id, m.Event.payload)
            .where(or_(m.Event.person_id == person.id, mentioned))
            .order_by(m.Event.ts.desc(), m.Event.id.desc())
            .limit(TIMELINE)
        ).all()
    return [{"ts": ts, "kind": kind, "payload": payload} for ts, kind, _, payload in rows]


@pytest.mark.parametrize("world", WORLDS)
def test_the_person_timeline_equals_the_or_query(
    world: str, world_of: Callable[[str], tuple[Engine, TestClient]]
) -> None:
    engine, _ = world_of(world)
    with reading(engine) as session:
        invitees = list(
            session.scalars(
                select(m.Person.key)
                .join(m.Invite, m.Invite.invitee_id == m.Person.id)
                .distinct()
                .order_by(m.Person.key)
                .limit(15)
            )
        )
        busy = list(
            session.scalars(
                select(m.Person.key)
                .join(m.Event, m.Event.person_id == m.Person.id)
                .group_by(m.Person.key)
                .order_by(m.Person.key)
                .limit(10)
            )
        )
    for key in {*invitees, *busy}:
        view = person_view(engine, key)["timeline"]
        reference = old_timeline(engine, key)
        assert len(view) == len(reference), key
        assert [v["ts"] for v in view] == [x["ts"].astimezone(v["ts"].tzinfo) for x, v in
                                           zip(reference, view, strict=True)]  # fmt: skip


def test_one_drop_is_the_drop_the_list_shows(
    world_of: Callable[[str], tuple[Engine, TestClient]],
) -> None:
    engine, _ = world_of("demo")
    listed = drops(engine)
    assert listed
    for row in listed[:40]:
        assert drop_row(engine, row["key"]) == row
    assert drop_row(engine, "no-such-drop") is None


@pytest.mark.parametrize("world", ["demo", "ladder"])
def test_the_plays_rungs_and_campaign_ledger_equal_the_full_reports(
    world: str, world_of: Callable[[str], tuple[Engine, TestClient]]
) -> None:
    engine, _ = world_of(world)
    assert rungs_of_ladder(engine) == build_ladder(engine).rungs
    with reading(engine) as session:
        campaigns = list(session.scalars(select(Campaign.key)))
    for key in campaigns:
        view = campaign_view_now(engine, key)
        fields = campaign_fields(get_campaign(engine, key))
        assert {**fields, **campaign_ledger(engine, key)} == view


@pytest.mark.parametrize("world", ["demo", "ladder"])
def test_the_ladder_report_by_row_id_equals_the_report_by_key(
    world: str, world_of: Callable[[str], tuple[Engine, TestClient]]
) -> None:
    from quanzi.analytics.ladder import load_presences, load_tier_purchases, rung_rows
    from quanzi.domain.ladder import Rung, ladder_report, ordered_rungs, stays_from

    engine, _ = world_of(world)
    view = build_ladder(engine)
    with reading(engine) as session:
        rows = rung_rows(session, view.report.ladder)
        ids = {c.id: c.key for c in rows}
        rungs = ordered_rungs(Rung(c.key, c.price, c.rank or 0, c.name or c.key) for c in rows)
        by_key = ladder_report(view.report.ladder, rungs,
                               load_tier_purchases(session, ids.values()),
                               stays_from(load_presences(session, ids)))  # fmt: skip
    assert view.report == by_key
    assert view.report.step_days == by_key.step_days


def old_funnel(engine: Engine, brought: int) -> list[dict[str, Any]]:
    """The fission funnel as it was: every joiner's and invitee's id read into Python sets."""
    from sqlalchemy import func

    with reading(engine) as session:
        joined = set(session.scalars(select(m.Event.person_id).where(m.Event.kind == "join")))
        invited = set(session.scalars(select(m.Invite.invitee_id)))
        bought = session.scalar(
            select(func.count(func.distinct(m.Order.person_id))).where(m.Order.status == "paid")
        )
    ours = [len(joined | invited), len(joined), int(bought or 0), brought]
    labels, ads = ["触达", "入群", "购买", "带来好友"], [10000, 1000, 10, None]
    return [{"stage": s, "community": c, "ad": a} for s, c, a in zip(labels, ours, ads,
                                                                       strict=True)]  # fmt: skip


@pytest.mark.parametrize("world", WORLDS)
def test_the_fission_funnel_and_names_equal_the_python_reference(
    world: str, world_of: Callable[[str], tuple[Engine, TestClient]]
) -> None:
    from quanzi.analytics.attract_fission import funnel, load_ledger
    from quanzi.domain.attract_ledger import VALID

    engine, _ = world_of(world)
    book = load_ledger(engine)
    brought = len({o.invite.inviter for o in book.outcomes if o.status == VALID})
    assert funnel(engine, book) == old_funnel(engine, brought)
    with reading(engine) as session:
        everyone = {k: n or k for k, n in session.execute(select(m.Person.key, m.Person.name))}
    people = {p for o in book.outcomes for p in (o.invite.inviter, o.invite.invitee)}
    assert book.names == {k: v for k, v in everyone.items() if k in people}


def old_fill_counts(session: Any, rows: dict[int, Any], as_of: Any, totals: Any) -> None:
    """The overview's counts as they were: one GROUP BY over the (kind, time) index each."""
    from datetime import timedelta

    from sqlalchemy import distinct, func

    active_member = m.Membership.status == "active"
    members = select(m.Membership.community_id, func.count()).where(active_member)
    members_by = dict(session.execute(members.group_by(m.Membership.community_id)).all())
    totals.members = session.scalar(
        select(func.count(distinct(m.Membership.person_id))).where(active_member)
    ) or 0  # fmt: skip
    since = as_of - timedelta(days=7)
    talked = (m.Event.kind == "message", m.Event.ts > since, m.Event.ts <= as_of)
    speakers = func.count(distinct(m.Event.person_id))
    active_by = dict(session.execute(
        select(m.Event.community_id, speakers).where(*talked).group_by(m.Event.community_id)
    ).all())  # fmt: skip
    totals.active_7d = session.scalar(select(speakers).where(*talked)) or 0
    since = as_of - timedelta(days=30)
    flows = {}
    for kind in ("join", "leave"):
        query = select(m.Event.community_id, func.count()).where(
            m.Event.kind == kind, m.Event.ts > since, m.Event.ts <= as_of
        )
        flows[kind] = dict(session.execute(query.group_by(m.Event.community_id)).all())
    totals.joins_30d = sum(flows["join"].values())
    totals.leaves_30d = sum(flows["leave"].values())
    for community_id, row in rows.items():
        row.members = members_by.get(community_id, 0)
        row.active_7d = active_by.get(community_id, 0)
        row.joins_30d = flows["join"].get(community_id, 0)
        row.leaves_30d = flows["leave"].get(community_id, 0)


@pytest.mark.parametrize("world", WORLDS)
def test_the_overview_counts_equal_the_old_queries(
    world: str,
    world_of: Callable[[str], tuple[Engine, TestClient]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from quanzi.analytics import overview

    engine, _ = world_of(world)
    now = overview.build_overview(engine)
    monkeypatch.setattr(overview, "_fill_counts", old_fill_counts)
    assert overview.build_overview(engine) == now


def old_stage_history(engine: Engine) -> list[dict[str, Any]]:
    """`stage_history` as it was: everyone's stages recounted at every checkpoint."""
    with reading(engine) as session:
        query = select(r.StageChange.ts, r.StageChange.person_id, r.StageChange.to_stage)
        current: dict[int, str] = {}
        series: list[dict[str, Any]] = []
        last_ts = None
        for ts, pid, stage in session.execute(query.order_by(r.StageChange.ts)):
            if last_ts is not None and ts != last_ts:
                series.append({"ts": last_ts.isoformat(), **Counter(current.values())})
            current[pid] = stage
            last_ts = ts
        if last_ts is not None:
            series.append({"ts": last_ts.isoformat(), **Counter(current.values())})
    return [{"ts": p["ts"], **{s: p.get(s, 0) for s in STAGES}} for p in series]


@pytest.mark.parametrize("world", ["demo", "grape"])
def test_the_stage_history_equals_the_recount(
    world: str, world_of: Callable[[str], tuple[Engine, TestClient]]
) -> None:
    from datetime import UTC, datetime

    from quanzi.analytics.retain_stages import stage_history

    engine, _ = world_of(world)
    assert stage_history(engine) == old_stage_history(engine)
    # Two moves of one person at one instant, and a stage outside the known five.
    with transaction(engine) as session:
        pid = session.scalar(select(m.Person.id).limit(1))
        at = datetime(2030, 1, 1, tzinfo=UTC)
        for before, after in (("user", "member"), ("member", "fan"), ("fan", "ghost")):
            session.add(r.StageChange(person_id=pid, ts=at, from_stage=before, to_stage=after))
    assert stage_history(engine) == old_stage_history(engine)


# The churn template's rows as they were written inline.
OLD_AT_RISK = (
    "        <tbody>\n"
    '          {% for p in churn.at_risk|sort(attribute="active_days", reverse=true) %}\n'
    '          <tr><th scope="row"><a href="/retain/people/{{ p.person|urlencode }}">'
    "{{ p.name }}</a></th>\n"
    '            <td>{{ stage_labels.get(p.stage or "user") }}</td>'
    "<td>{{ p.last_active[:10] }}</td>\n"
    '            <td class="num">{{ p.days_silent }}</td>'
    '<td class="num">{{ p.active_days }}</td></tr>\n'
    '          {% else %}<tr><td colspan="5" class="muted">没有流失风险成员</td></tr>'
    "{% endfor %}\n"
    "        </tbody>"
)


@pytest.mark.parametrize("people", [0, 1, 5])
def test_the_at_risk_rows_render_as_the_inline_loop_did(people: int) -> None:
    from quanzi.domain.retain_stages import LABELS
    from quanzi.web.console.render import templates
    from quanzi.web.console.retain import at_risk_rows

    churn = {"at_risk": [
        {"person": f"wx:p{i}&<x>", "name": f"名字{i}<b>", "stage": ("fan", None)[i % 2],
         "last_active": f"2026-03-0{i + 1}T10:00:00+08:00", "days_silent": 9 + i,
         "active_days": (3, 7, 7, 5, 9)[i]}
        for i in range(people)
    ]}  # fmt: skip
    old = templates.env.from_string(OLD_AT_RISK).render(churn=churn, stage_labels=LABELS)
    new = templates.env.from_string("        <tbody>\n          {{ rows }}\n        </tbody>")
    assert new.render(rows=at_risk_rows(churn)) == old
    assert at_risk_rows(churn) is at_risk_rows(churn)  # rendered once per report


def test_within_the_allowed_age_a_page_shows_the_older_snapshot_and_says_so(
    world_of: Callable[[str], tuple[Engine, TestClient]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from quanzi.config import get_settings

    engine, client = world_of("demo")
    old = reports.current(engine, "overview")
    assert 'id="stale-note"' not in _html(client, "/")
    monkeypatch.setenv("QUANZI_REPORT_MAX_AGE_SECONDS", "600")
    get_settings.cache_clear()
    events, _ = _bundle(engine, 1)
    ingest_objects(engine, events)
    shown = _html(client, "/")
    assert 'id="stale-note"' in shown and "quanzi analytics update" in shown
    assert f">{old.totals.events:,}<" in shown  # the snapshot's figures, not the new ones
    monkeypatch.setenv("QUANZI_REPORT_MAX_AGE_SECONDS", "0")
    get_settings.cache_clear()
    fresh = _html(client, "/")
    assert 'id="stale-note"' not in fresh
    assert f">{old.totals.events + len(events):,}<" in fresh
