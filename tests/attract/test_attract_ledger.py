"""The fission ledger, reach and influence on a hand-made world, on each database backend."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from quanzi.analytics.attract_fission import fission_report, inviter_board, load_ledger
from quanzi.analytics.attract_graph import reach_report
from quanzi.analytics.attract_influence import HALF_LIFE_DAYS, influence
from quanzi.cli.main import app
from tests.attract.fixture import load

C1 = {
    "invites": 10,
    "valid": 3,
    "invalid_by_reason": {"duplicate": 1, "in_window": 1, "left_early": 1, "not_joined": 1,
                          "not_new": 1, "rejected": 1, "self": 1},
    "k_factor": 1.0,  # 10 invites / 3 inviters × 3 valid / 10
    "cycle_time_days": 0.083,  # median of 2 h, 2 h, 23 h
    "generations": [1, 2, 1],  # a → x, p; x → v
}  # fmt: skip


def test_each_invite_gets_the_status_and_reason_computed_by_hand(engine: Engine) -> None:
    load(engine)
    outcomes = {(o.invite.inviter, o.invite.invitee, o.invite.campaign): (o.status, o.reason)
                for o in load_ledger(engine, "c1").outcomes}  # fmt: skip
    assert outcomes == {
        ("wx:a", "wx:x", "c1"): ("valid", "valid"),
        ("wx:b", "wx:x", "c1"): ("invalid", "duplicate"),
        ("wx:a", "wx:a", "c1"): ("invalid", "self"),
        ("wx:a", "wx:o", "c1"): ("invalid", "not_new"),
        ("wx:a", "wx:y", "c1"): ("invalid", "rejected"),
        ("wx:b", "wx:z", "c1"): ("invalid", "left_early"),
        ("wx:b", "wx:w", "c1"): ("invalid", "not_joined"),
        ("wx:a", "wx:p", "c1"): ("valid", "valid"),
        ("wx:x", "wx:v", "c1"): ("valid", "valid"),
        ("wx:x", "wx:u", "c1"): ("waiting", "in_window"),
    }


def test_fission_report_matches_the_hand_computed_ledger(engine: Engine) -> None:
    load(engine)
    assert fission_report(engine, "c1") == C1
    whole = fission_report(engine)
    assert whole["invites"] == 11 and whole["valid"] == 4
    assert whole["k_factor"] == pytest.approx(1.333)  # 4 valid / 3 inviters
    assert whole["cycle_time_days"] == 0.125  # median of 2 h, 2 h, 4 h, 23 h


def test_a_longer_window_turns_a_stay_into_an_early_leave(engine: Engine) -> None:
    load(engine)
    # p left 46 h after joining: valid at 24 h, taken back at 72 h.
    report = fission_report(engine, "c1", window_hours=72)
    assert report["valid"] == 2
    assert report["invalid_by_reason"]["left_early"] == 2
    board = {r["person"]: r for r in inviter_board(load_ledger(engine, "c1", 72), stages=(2,))}
    assert board["wx:a"]["valid"] == 1 and board["wx:a"]["stages"] == 0
    board = {r["person"]: r for r in inviter_board(load_ledger(engine, "c1"), stages=(2,))}
    assert board["wx:a"]["valid"] == 2 and board["wx:a"]["stages"] == 1
    assert board["wx:x"] == {"person": "wx:x", "name": "X", "valid": 1, "waiting": 1,
                             "invalid": 0, "stages": 0}  # fmt: skip


def test_reach_counts_people_at_each_degree(engine: Engine) -> None:
    load(engine)
    assert reach_report(engine) == {
        "people": 10, "degree1": 2.0, "degree2": 3.4, "degree3": 2.4, "sampled": False,
        "ideal": {"degree1": 30, "degree2": 900, "degree3": 27000, "total": 27930},
    }  # fmt: skip


def test_reach_past_the_exact_size_is_sampled_and_ranks_exact_counts(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quanzi.analytics import attract_graph

    load(engine)
    found = attract_graph.load_interactions(engine)
    exact = attract_graph.person_reach(found)
    monkeypatch.setattr(attract_graph, "EXACT_REACH_PEOPLE", 5)
    monkeypatch.setattr(attract_graph, "SAMPLED_SOURCES", 4)
    monkeypatch.setattr(attract_graph, "TOP_CANDIDATES", 2)
    sampled = attract_graph.person_reach(found)
    assert sampled.sampled and not exact.sampled
    assert sampled.sample.sum() == 4 and 4 <= len(sampled.sources) <= 6
    # Every searched person's counts are exact, and the means are those of the sample.
    assert (sampled.counts == exact.counts[sampled.sources]).all()
    chosen = sampled.sources[sampled.sample]
    assert np.allclose(sampled.means(), exact.counts[chosen].mean(axis=0))
    ties = np.diff(found.graph().undirected().indptr)
    assert set(np.argsort(-ties, kind="stable")[:2]) <= set(sampled.sources.tolist())
    top = attract_graph.top_reach(found, sampled, 3)
    totals = [r["total"] for r in top]
    assert totals == sorted(totals, reverse=True)
    assert totals[0] == exact.counts[sampled.sources].sum(axis=1).max()
    assert reach_report(engine)["sampled"] is True


def _reference_pagerank() -> dict[str, float]:
    """The decayed graph of the fixture drawn by hand, ranked by networkx."""
    edges = [("x", "a", 1), ("x", "b", 1.5), ("o", "a", 1), ("y", "a", 1), ("z", "b", 1),
             ("w", "b", 1), ("p", "a", 1), ("x", "b", 3), ("v", "x", 24), ("u", "x", 120),
             ("v", "a", 48)]  # fmt: skip
    graph = nx.DiGraph()
    for s, d, hours in edges:
        w = 0.5 ** ((122 - hours) / 24 / HALF_LIFE_DAYS)
        old = graph.get_edge_data(s, d, {"weight": 0.0})["weight"]
        graph.add_edge(s, d, weight=old + w)
    return nx.pagerank(graph, tol=1e-12, max_iter=500)


def test_influence_ranks_kol_koc_kot_with_reasons(engine: Engine) -> None:
    load(engine)
    rows = {r["person"]: r for r in influence(engine, top=10)}
    assert {p: r["role"] for p, r in rows.items()} == {"wx:a": "KOL", "wx:x": "KOC", "wx:b": "KOT"}
    ranks = _reference_pagerank()
    peak = max(ranks.values())
    for person in ("a", "x", "b"):
        assert rows[f"wx:{person}"]["score"] == round(80 + 20 * ranks[person] / peak, 1)
    assert rows["wx:x"]["reasons"][0] == "邀请来的 2 人下单 2 笔，共 ¥80"
    assert rows["wx:b"]["reasons"][0] == "作为团长带单 1 笔，共 ¥30"
    assert "来自 1 人" in rows["wx:a"]["reasons"][0]
    top = max(ranks, key=lambda k: ranks[k])
    assert any(r.startswith("超级用户") for r in rows[f"wx:{top}"]["reasons"])


def test_cli_contracts_print_the_exact_json(db_url: str, engine: Engine) -> None:
    load(engine)
    runner = CliRunner()
    result = runner.invoke(app, ["fission", "report", "--campaign", "c1", "--json", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == C1
    result = runner.invoke(app, ["reach", "--json", "--db", db_url])
    assert json.loads(result.stdout)["degree2"] == 3.4
    result = runner.invoke(app, ["influence", "--top", "2", "--json", "--db", db_url])
    listed = json.loads(result.stdout)
    assert len(listed) == 2 and set(listed[0]) == {"person", "role", "score", "reasons"}
    bad = runner.invoke(app, ["fission", "report", "--campaign", "nope", "--db", db_url])
    assert bad.exit_code != 0 and "campaign_not_found" in bad.output
    assert "Traceback" not in bad.output
    bad = runner.invoke(app, ["reach", "--community", "nope", "--db", db_url])
    assert bad.exit_code != 0 and "community_not_found" in bad.output


def test_names_read_in_one_pass_equal_the_chunked_lookup(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quanzi.analytics import attract_fission

    load(engine)
    chunked = attract_fission.load_ledger(engine).names
    monkeypatch.setattr(attract_fission, "WHOLE_SCAN_PEOPLE", 0)
    assert chunked and attract_fission.load_ledger(engine).names == chunked
