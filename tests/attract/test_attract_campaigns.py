"""Stored campaigns: exact ledgers computed by hand, stages taken back, codes, errors."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from quanzi.analytics.attract_campaign_views import campaign_view
from quanzi.analytics.attract_fission import fission_report, load_ledger
from quanzi.domain.attract_campaign import Stage, invite_code, parse_stages
from quanzi.errors import Conflict, InvalidInput, NotFound
from quanzi.services import attract_campaigns as service
from quanzi.services.ingest import ingest_objects
from quanzi.store import models as m
from quanzi.store.db import reading
from tests.attract.campaign_world import STAGES, at, load, seeds

SPRING = {
    ("wx:a", "wx:q"): ("invalid", "outside_window"),
    ("wx:a", "wx:c"): ("valid", "valid"),
    ("wx:a", "wx:d"): ("invalid", "not_target"),
    ("wx:a", "wx:e"): ("invalid", "left_early"),
    ("wx:a", "wx:o"): ("invalid", "not_new"),
    ("wx:b", "wx:c"): ("invalid", "duplicate"),
    ("wx:b", "wx:f"): ("valid", "valid"),  # derived from b's code
    ("wx:a", "wx:h"): ("valid", "valid"),
    ("wx:a", "wx:j"): ("valid", "valid"),
    ("wx:b", "wx:j"): ("invalid", "duplicate"),  # derived, but a asked first
    ("wx:b", "wx:i"): ("waiting", "in_window"),
    ("wx:a", "wx:g"): ("invalid", "outside_window"),
}
REPORT = {
    "invites": 12,  # ten invite events and two joins carrying b's code
    "valid": 4,
    "invalid_by_reason": {"duplicate": 2, "outside_window": 2, "in_window": 1,
                          "left_early": 1, "not_new": 1, "not_target": 1},
    "k_factor": 2.0,  # 12 invites / 2 inviters × 4 valid / 12
    "cycle_time_days": 1.25,  # median of 27, 29, 31, 32 h after the inviters' joins at -24 h
    "generations": [2, 4],  # a → c, h, j; b → f
}  # fmt: skip


def test_a_stored_campaign_gives_the_hand_computed_ledger(engine: Engine) -> None:
    load(engine)
    outcomes = {(o.invite.inviter, o.invite.invitee): (o.status, o.reason)
                for o in load_ledger(engine, "spring").outcomes}  # fmt: skip
    assert outcomes == SPRING
    assert fission_report(engine, "spring") == REPORT


def test_the_ledger_is_the_same_when_every_join_is_read(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past one IN (...) of people named only by coded joins, everyone's joins are read.
    load(engine)
    monkeypatch.setattr("quanzi.analytics.attract_fission.LOOKUP_CHUNK", 1)
    outcomes = {(o.invite.inviter, o.invite.invitee): (o.status, o.reason)
                for o in load_ledger(engine, "spring").outcomes}  # fmt: skip
    assert outcomes == SPRING
    assert fission_report(engine, "spring") == REPORT


def test_stages_are_reached_pending_and_taken_back(engine: Engine) -> None:
    load(engine)
    view = campaign_view(engine, "spring")
    rows = {r["person"]: r for r in view["inviters"]}
    # a: c, h, j valid; e joined at 4 h so the count touched 4 before e left at 30 h.
    assert (rows["wx:a"]["valid"], rows["wx:a"]["reached"], rows["wx:a"]["taken_back"]) == (
        3, ["贴纸", "优惠券"], ["水果箱"])  # fmt: skip
    # b: f valid, i still inside the 48 h stay: the second stage is pending.
    assert (rows["wx:b"]["reached"], rows["wx:b"]["pending"], rows["wx:b"]["taken_back"]) == (
        ["贴纸"], ["优惠券"], [])  # fmt: skip
    assert rows["wx:b"]["link"] == f"/j/spring?state={rows['wx:b']['code']}"
    reasons = {(r["inviter"], r["invitee"]): r["reason_text"] for r in view["invites"]}
    assert reasons[("wx:a", "wx:q")] == "邀请不在活动时间内"
    assert reasons[("wx:a", "wx:d")] == "邀请进的社群不是活动的目标社群"


def test_the_stay_hours_are_the_campaigns_own(engine: Engine) -> None:
    load(engine)
    service.update_campaign(
        engine, key="spring", name="春季老带新", communities=["g1", "g2"], starts_at=at(0),
        ends_at=at(100), stages=STAGES, stay_hours=24, actor="tester",
    )  # fmt: skip
    outcomes = {(o.invite.inviter, o.invite.invitee): o.reason
                for o in load_ledger(engine, "spring").outcomes}  # fmt: skip
    assert outcomes[("wx:a", "wx:e")] == "valid"  # 26 h is enough for 24 h
    assert outcomes[("wx:b", "wx:i")] == "in_window"  # 20 h of 24 h so far
    rows = {r["person"]: r for r in campaign_view(engine, "spring")["inviters"]}
    assert rows["wx:a"]["reached"] == ["贴纸", "优惠券", "水果箱"]
    assert rows["wx:a"]["taken_back"] == []
    # An explicit window still wins, as `--window-hours` does on the CLI.
    assert fission_report(engine, "spring", window_hours=0)["invalid_by_reason"].get(
        "in_window") is None  # fmt: skip


def test_codes_are_deterministic_hmacs_and_stored_once(engine: Engine) -> None:
    code = load(engine)
    assert code == invite_code("quanzi-dev-secret-change-me", "spring", "wx:b")
    assert len(code) == 16 and code != invite_code("other-secret", "spring", "wx:b")
    again, link = service.issue_code(engine, "spring", "wx:b", actor="tester")
    assert (again, link) == (code, f"/j/spring?state={code}")
    assert service.issue_code(engine, "spring", "wx:a", actor="tester")[0] != code
    with reading(engine) as session:
        actions = list(session.scalars(select(m.AuditLog.action)))
    assert actions.count("attract.code.issue") == 2
    assert "attract.campaign.add" in actions
    with pytest.raises(NotFound) as missing:
        service.issue_code(engine, "spring", "wx:nobody", actor="tester")
    assert missing.value.code == "person_not_found"


def test_unstored_campaigns_keep_todays_rules(engine: Engine) -> None:
    load(engine)
    whole = {(o.invite.campaign, o.invite.inviter, o.invite.invitee): o.reason
             for o in load_ledger(engine).outcomes}  # fmt: skip
    assert whole[("spring", "wx:a", "wx:d")] == "not_target"
    with pytest.raises(NotFound):
        fission_report(engine, "not-stored")


def test_a_new_stored_campaign_has_an_empty_ledger(engine: Engine) -> None:
    ingest_objects(engine, seeds())
    service.create_campaign(engine, key="autumn", name="秋季", communities=["g1"],
                            starts_at=at(0), ends_at=at(10), stages=STAGES, actor="t")  # fmt: skip
    assert fission_report(engine, "autumn")["invites"] == 0


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"ends_at": at(-1)}, "invalid_window"),
        ({"stay_hours": -1}, "invalid_window"),
        ({"communities": ["g1", "nowhere"]}, "community_not_found"),
        ({"communities": []}, "no_communities"),
        ({"key": "Bad Key"}, "invalid_campaign_key"),
        ({"stages": [Stage(3, "券"), Stage(3, "箱")]}, "invalid_stages"),
    ],
)
def test_bad_campaigns_are_refused_in_chinese(
    engine: Engine, change: dict[str, object], code: str
) -> None:
    ingest_objects(engine, seeds())
    fields: dict[str, object] = {"key": "autumn", "name": "秋季", "communities": ["g1"],
                                 "starts_at": at(0), "ends_at": at(10),
                                 "stages": STAGES}  # fmt: skip
    with pytest.raises((InvalidInput, NotFound)) as refused:
        service.create_campaign(engine, **{**fields, **change}, actor="t")  # type: ignore[arg-type]
    assert refused.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.message)


def test_a_key_is_stored_once(engine: Engine) -> None:
    ingest_objects(engine, seeds())
    fields = {"name": "秋季", "communities": ["g1"], "starts_at": at(0), "ends_at": at(10),
              "stages": STAGES}  # fmt: skip
    service.create_campaign(engine, key="autumn", **fields, actor="t")  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        service.create_campaign(engine, key="autumn", **fields, actor="t")  # type: ignore[arg-type]


def test_stages_parse_from_the_cli_form() -> None:
    assert parse_stages("10:年卡, 3:优惠券，5：水果箱") == [
        Stage(3, "优惠券"), Stage(5, "水果箱"), Stage(10, "年卡")]  # fmt: skip
    for bad in ("", "三:券", "3:", "0:券"):
        with pytest.raises(ValueError):
            parse_stages(bad)
