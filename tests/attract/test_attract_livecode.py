"""群活码: rotation past full groups and expired QR codes, warnings, and the CLI around it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from typer.testing import CliRunner

from quanzi.analytics.attract_campaign_views import livecode, livecode_dict
from quanzi.cli.main import app
from quanzi.domain.attract_campaign import phase
from quanzi.domain.attract_livecode import Slot, pick
from quanzi.services import attract_campaigns as service
from quanzi.services.ingest import ingest_objects
from quanzi.store.models import utcnow
from tests.attract.campaign_world import STAGES, at, seeds

NOW = datetime(2026, 4, 10, 12, tzinfo=UTC)


def slot(name: str, capacity: int, members: int, days: float = 5, position: int = 0,
         retired: bool = False) -> Slot:  # fmt: skip
    expires = NOW + timedelta(days=days)
    return Slot(name, name, f"https://example.invalid/{name}", capacity, members, expires,
                position, retired)  # fmt: skip


def codes(found: object) -> list[str]:
    return [w.code for w in found.warnings]  # type: ignore[attr-defined]


def test_a_full_group_passes_the_link_to_the_next() -> None:
    found = pick([slot("g2", 5, 1, position=2), slot("g1", 3, 3, position=1)], NOW)
    assert found.current is not None and found.current.community == "g2"
    assert (found.room, found.total) == (4, 8)
    assert codes(found) == ["low_room"]  # 4 places < 20


def test_an_expired_qr_is_skipped_and_reported() -> None:
    found = pick([slot("old", 200, 10, days=-1, position=1), slot("new", 200, 10, position=2)],
                 NOW)  # fmt: skip
    assert found.current is not None and found.current.community == "new"
    assert (found.room, found.total) == (190, 200)  # the expired group counts for nothing
    assert codes(found) == ["qr_expired"]


def test_no_warning_with_room_and_a_fresh_qr() -> None:
    found = pick([slot("a", 200, 10, position=1), slot("b", 200, 0, position=2)], NOW)
    assert found.current is not None and found.current.community == "a"
    assert (found.room, codes(found)) == (390, [])


def test_low_room_is_a_fifth_of_the_total_or_twenty_places() -> None:
    # 70 of 400 places left is under a fifth, though more than 20.
    found = pick([slot("a", 200, 200, position=1), slot("b", 200, 130, position=2)], NOW)
    assert found.room == 70 and codes(found) == ["low_room"]
    found = pick([slot("a", 200, 100, position=1)], NOW)
    assert codes(found) == []


def test_a_qr_expiring_within_a_day_is_announced() -> None:
    found = pick([slot("a", 200, 0, days=0.5, position=1)], NOW)
    assert codes(found) == ["qr_expiring"]
    assert "12 小时内过期" in found.warnings[0].message


def test_none_left_when_all_are_full_expired_or_retired() -> None:
    groups = [slot("a", 3, 3, position=1), slot("b", 9, 0, days=-2, position=2),
              slot("c", 9, 0, position=3, retired=True)]  # fmt: skip
    found = pick(groups, NOW)
    assert found.current is None and found.room == 0
    assert codes(found) == ["qr_expired", "none_left"]
    assert "没有可用的活动群" in found.warnings[-1].message


def _campaign(engine: Engine) -> None:
    ingest_objects(engine, seeds())  # g1 has a and b, g2 has o
    service.create_campaign(engine, key="spring", name="春季", communities=["g1"],
                            starts_at=at(0), ends_at=at(100), stages=STAGES, actor="t")  # fmt: skip


def test_member_counts_come_from_the_store_and_rotate(engine: Engine) -> None:
    _campaign(engine)
    service.add_group(engine, "spring", community="g1", link="https://w.invalid/1", capacity=2,
                      actor="t")  # fmt: skip
    second = service.add_group(engine, "spring", community="g2", link="二维码二", capacity=3,
                               actor="t")  # fmt: skip
    assert second.position == 2
    assert second.qr_expires_at - utcnow() > timedelta(days=6, hours=23)
    data = livecode_dict(livecode(engine, "spring"))
    assert (data["current"], data["link"], data["room"], data["total"]) == ("g2", "二维码二", 2, 5)
    assert [g["state"] for g in data["groups"]] == ["full", "open"]
    assert [w["code"] for w in data["warnings"]] == ["low_room"]
    ingest_objects(engine, [
        {"id": f"n{i}", "ts": at(5 + i).isoformat(), "kind": "join", "community": "g2",
         "person": f"wx:new{i}"} for i in range(2)
    ])  # fmt: skip
    data = livecode_dict(livecode(engine, "spring"))
    assert data["current"] is None and [w["code"] for w in data["warnings"]] == ["none_left"]
    service.retire_group(engine, "spring", second.id, actor="t")
    assert livecode_dict(livecode(engine, "spring"))["groups"][1]["state"] == "retired"


def test_cli_manages_campaigns_codes_and_groups(db_url: str, engine: Engine) -> None:
    ingest_objects(engine, seeds())
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, [*args, "--db", db_url])
        assert result.exit_code == 0, result.output
        return result.stdout

    run("campaign", "add", "spring", "--name", "春季老带新", "--communities", "g1,g2",
        "--start", "2026-03-01", "--end", "2026-05-31", "--stages", "3:优惠券,5:水果箱,10:年卡",
        "--stay-hours", "48")  # fmt: skip
    listed = json.loads(run("campaign", "list", "--json"))
    assert [(r["key"], r["communities"], r["stay_hours"]) for r in listed] == [
        ("spring", ["g1", "g2"], 48.0)]  # fmt: skip
    assert listed[0]["stages"][0] == {"friends": 3, "reward": "优惠券"}
    assert listed[0]["starts_at"] == "2026-02-28T16:00:00+00:00"  # 00:00 in Shanghai
    issued = json.loads(run("campaign", "code", "spring", "--inviter", "wx:a", "--json"))
    assert issued["link"] == f"/j/spring?state={issued['code']}"
    run("campaign", "group-add", "spring", "--community", "g1", "--link", "https://w.invalid/1",
        "--capacity", "2")  # fmt: skip
    run("campaign", "group-add", "spring", "--community", "g2", "--link", "https://w.invalid/2")
    groups = json.loads(run("campaign", "groups", "spring", "--json"))
    assert (groups["current"], groups["room"], groups["total"]) == ("g2", 199, 202)
    assert "剩余空位 199 / 202" in run("campaign", "groups", "spring")
    run("campaign", "close", "spring")
    assert json.loads(run("campaign", "list", "--json"))[0]["status"] == "closed"
    for bad, code in [
        (["campaign", "add", "x", "--name", "坏", "--communities", "g1", "--start", "2026-03-01",
          "--end", "2026-05-31", "--stages", "三:券"], "invalid_stages"),
        (["campaign", "add", "x", "--name", "坏", "--communities", "nowhere", "--start",
          "2026-03-01", "--end", "2026-05-31", "--stages", "3:券"], "community_not_found"),
        (["campaign", "add", "x", "--name", "坏", "--communities", "g1", "--start", "2026-06-01",
          "--end", "2026-05-31", "--stages", "3:券"], "invalid_window"),
        (["campaign", "groups", "nope"], "campaign_not_found"),
    ]:  # fmt: skip
        result = runner.invoke(app, [*bad, "--db", db_url])
        assert result.exit_code == 2 and code in result.output, result.output
        assert "Traceback" not in result.output


def test_a_campaign_past_its_window_reads_as_ended_wherever_it_is_shown() -> None:
    starts = datetime(2026, 6, 1, tzinfo=UTC)
    ends = datetime(2026, 8, 31, tzinfo=UTC)
    assert phase("active", starts, ends, datetime(2026, 5, 31, tzinfo=UTC)) == "upcoming"
    assert phase("active", starts, ends, datetime(2026, 7, 1, tzinfo=UTC)) == "running"
    assert phase("active", starts, ends, datetime(2026, 9, 1, tzinfo=UTC)) == "ended"
    assert phase("closed", starts, ends, datetime(2026, 7, 1, tzinfo=UTC)) == "ended"
