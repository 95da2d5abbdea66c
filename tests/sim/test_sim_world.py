"""The simulated world behaves like 「果园鲜生」's communities: ladder, group buys, spam, churn."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date
from typing import Any

import pytest

from quanzi.domain.events import PERSON_KEY
from quanzi.sim import cast, names

Events = list[dict[str, Any]]
SPAM_WORDS = re.compile("vx|V：|代理|招商|兼职|加盟|副业")


def declarations(events: Events) -> dict[str, dict[str, Any]]:
    """Return each community's declaration by key."""
    return {e["community"]: e for e in events if e["kind"] == "community"}


def ladder_keys(events: Events) -> list[str]:
    """Return the main ladder's community keys ordered by rank."""
    rungs = [d for d in declarations(events).values() if d.get("ladder") == "main"]
    return [d["community"] for d in sorted(rungs, key=lambda d: d["rank"])]


def test_ladder_is_declared_as_in_seed_000(sim_default_events: Events) -> None:
    rungs = [declarations(sim_default_events)[k] for k in ladder_keys(sim_default_events)]
    assert [(r["rank"], r["price"]) for r in rungs] == [
        (0, 0),
        (1, 100),
        (2, 500),
        (3, 1000),
        (4, 5000),
    ]
    assert all(r["purpose"] == "filter" for r in rungs)


def test_rank_two_payers_mostly_stepped_up_from_rank_one(sim_default_events: Events) -> None:
    keys = ladder_keys(sim_default_events)
    members: set[tuple[str, str]] = set()
    payers: dict[int, list[bool]] = defaultdict(list)  # rank → was in the rung below?
    rank_of = {key: rank for rank, key in enumerate(keys)}
    price = {key: d["price"] for key, d in declarations(sim_default_events).items()}
    for event in sim_default_events:
        kind, where, who = event["kind"], event.get("community"), event.get("person")
        if kind == "join":
            members.add((who, where))
        elif kind == "leave":
            members.discard((who, where))
        elif kind == "purchase" and event["item"].startswith("tier:"):
            assert event["item"] == f"tier:{where}"
            assert event["amount"] == price[where]
            rank = rank_of[where]
            payers[rank].append((who, keys[rank - 1]) in members)
    stepped = sum(payers[2])
    assert len(payers[2]) >= 10
    assert stepped / len(payers[2]) >= 0.75
    assert not all(payers[2])  # a few outsiders buy in directly
    # Fewer people pay at each rung.
    counts = [len(payers[rank]) for rank in range(1, 5)]
    assert counts == sorted(counts, reverse=True) and counts[-1] >= 1


def test_tier_purchase_is_followed_by_a_join_with_its_source(sim_default_events: Events) -> None:
    pending: dict[tuple[str, str], str] = {}
    sources: Counter[str] = Counter()
    for event in sim_default_events:
        key = (event.get("person"), event.get("community"))
        if event["kind"] == "purchase" and event["item"].startswith("tier:"):
            pending[key] = event["ts"]
        elif event["kind"] == "join" and key in pending:
            paid = pending.pop(key)
            assert event["ts"][:10] == paid[:10]  # joined the same day, minutes later
            sources[event["source"]] += 1
    assert not pending
    assert sources["ladder"] >= 0.7 * sum(sources.values())


def test_steps_take_weeks_of_membership(sim_default_events: Events) -> None:
    keys = ladder_keys(sim_default_events)
    joined: dict[tuple[str, str], str] = {}
    waits = []
    for event in sim_default_events:
        if event["kind"] == "join":
            joined.setdefault((event["person"], event["community"]), event["ts"][:10])
            if event.get("source") == "ladder":
                below = keys[keys.index(event["community"]) - 1]
                start = joined[(event["person"], below)]
                waits.append((event["ts"][:10], start))
    days = sorted(_days(a, b) for a, b in waits)
    assert len(days) > 50
    assert days[0] >= 7 and days[len(days) // 2] >= 14  # weeks of trust before paying more


def _days(later: str, earlier: str) -> int:
    return (date.fromisoformat(later) - date.fromisoformat(earlier)).days


def test_three_named_leaders_run_the_group_buys(sim_default_events: Events) -> None:
    leaders = {
        (e["person"], e["community"])
        for e in sim_default_events
        if e["kind"] == "join" and e.get("role") == "leader"
    }
    expected = {(member.key, key) for key, (member, _, _) in cast.GROUP_BUYS.items()}
    assert leaders == expected
    assert len({person for person, _ in leaders}) == 3
    for key in cast.GROUP_BUYS:
        assert declarations(sim_default_events)[key]["model"] == "router"
    leader_of = {key: member.key for key, (member, _, _) in cast.GROUP_BUYS.items()}
    tuan_orders = [
        e for e in sim_default_events if e["kind"] == "purchase" and e["community"] in leader_of
    ]
    assert len(tuan_orders) > 1000
    assert all(e["leader"] == leader_of[e["community"]] for e in tuan_orders)
    assert {e["item"] for e in tuan_orders} >= {"grape-shine-muscat", "lychee-feizixiao"}


def test_jielong_threads_grow_in_wechat_format(sim_default_events: Events) -> None:
    threads: dict[tuple[str, str], list[str]] = defaultdict(list)
    for event in sim_default_events:
        body = event.get("text", "")
        if event["kind"] == "message" and body.startswith("#接龙\n"):
            title = body.split("\n")[1]
            threads[(event["community"], title + event["ts"][:10])].append(body)
    assert len(threads) > 100
    long_threads = 0
    for versions in threads.values():
        previous: list[str] = []
        for body in versions:
            lines = [line for line in body.split("\n") if re.match(r"^\d+\. ", line)]
            assert [int(line.split(".")[0]) for line in lines] == list(range(1, len(lines) + 1))
            assert lines[: len(previous)] == previous  # a later post repeats the earlier list
            assert len(lines) == len(previous) + (1 if previous or lines else 0)
            previous = lines
        long_threads += len(previous) >= 5
    assert long_threads > 20
    styles = " ".join(v[-1] for v in threads.values())
    assert "两箱" in styles or "两" in styles
    assert re.search(r"[x×*]\d", styles)
    assert "例 " in styles


def test_jielong_entries_match_purchases(sim_small_events: Events) -> None:
    entries = 0
    orders = 0
    for event in sim_small_events:
        if event["kind"] == "message" and event.get("text", "").startswith("#接龙"):
            entries += 1 if re.search(r"\n\d+\. ", event["text"]) else 0
        if event["kind"] == "purchase" and event.get("leader"):
            orders += 1
    assert entries == orders > 0


def test_arrivals_are_announced(sim_default_events: Events) -> None:
    arrivals = [
        e
        for e in sim_default_events
        if e["kind"] == "message" and e.get("text", "").startswith(("到货了", "【到货通知】"))
    ]
    leader_keys = {m.key for m in cast.LEADERS}
    assert len(arrivals) > 50
    assert all(e["person"] in leader_keys for e in arrivals)
    assert sum(bool(e.get("mentions")) for e in arrivals) > len(arrivals) / 2


def test_spam_accounts_apply_with_stock_avatars_and_get_kicked(sim_default_events: Events) -> None:
    requests = [e for e in sim_default_events if e["kind"] == "join_request"]
    spam = [r for r in requests if r["name"] in names.SPAM_NAMES]
    assert len(spam) >= 20
    assert {"A小美护肤", "AAA建材批发", "美妆王姐", "乐乐", "丽丽"} & {r["name"] for r in spam}
    sharing: dict[str, set[str]] = defaultdict(set)
    for r in requests:
        sharing[r["avatar"]].add(r["person"])
    assert any(
        len(people) >= 3 for avatar, people in sharing.items() if avatar in names.STOCK_AVATARS
    )
    assert all(re.fullmatch(r"phash:[0-9a-f]{16}", r["avatar"]) for r in requests)
    assert sum(bool(SPAM_WORDS.search(r["comment"])) for r in spam) >= len(spam) / 3
    # Every marketing account that got in posted in the group and was kicked for it.
    last_day = sim_default_events[-1]["ts"][:10]
    spoke: set[tuple[str, str]] = set()
    got_in: dict[tuple[str, str], str] = {}
    kicked: set[tuple[str, str]] = set()
    for event in sim_default_events:
        key = (event.get("person"), event.get("community"))
        if event["kind"] == "join" and event["name"] in names.SPAM_NAMES:
            got_in[key] = event["ts"][:10]
        elif event["kind"] == "message":
            spoke.add(key)
        elif event.get("reason") == "kick":
            assert key in spoke, event  # nobody is kicked without having posted
            kicked.add(key)
    assert len(got_in) >= 10
    assert {k for k, day in got_in.items() if day != last_day} <= kicked
    ads = [
        e
        for e in sim_default_events
        if e["kind"] == "message" and (e["person"], e["community"]) in got_in
    ]
    assert sum(bool(SPAM_WORDS.search(e["text"])) for e in ads) >= 0.6 * len(ads)


def test_qq_joins_need_a_request_and_wechat_joins_do_not(sim_default_events: Events) -> None:
    carrier = {k: d["carrier"] for k, d in declarations(sim_default_events).items()}
    asked: set[tuple[str, str]] = set()
    for event in sim_default_events:
        key = (event.get("person"), event.get("community"))
        if event["kind"] == "join_request":
            assert carrier[event["community"]] == "qq"
            assert event["comment"].startswith("问题：你是怎么知道我们的？\n答案：")
            asked.add(key)
        elif event["kind"] == "join" and carrier[event["community"]] == "qq":
            assert key in asked or event.get("role"), event
    # A person's key names the carrier of the groups they are in.
    prefix = {"qq": "qq:", "wechat": "wx:"}
    for event in sim_default_events:
        if event["kind"] in ("join", "join_request", "message"):
            assert event["person"].startswith(prefix[carrier[event["community"]]]), event


def test_nobody_acts_where_they_are_not_a_member(sim_default_events: Events) -> None:
    members: set[tuple[str, str]] = set()
    for event in sim_default_events:
        kind, key = event["kind"], (event.get("person"), event.get("community"))
        if kind == "join":
            assert key not in members, event
            members.add(key)
        elif kind == "leave":
            assert key in members, event
            members.remove(key)
        elif kind in ("message", "attend") or (
            kind == "purchase" and not event["item"].startswith("tier:")
        ):
            assert key in members, event
        if kind in ("join", "join_request") and event.get("inviter") and not event.get("via"):
            # Pulled in directly (not through a shared code): the inviter is there.
            assert (event["inviter"], event["community"]) in members, event
        for mentioned in event.get("mentions") or ():
            assert (mentioned, event["community"]) in members, event


def test_no_community_exceeds_its_capacity(sim_default_events: Events) -> None:
    capacity = {k: d["capacity"] for k, d in declarations(sim_default_events).items()}
    size: Counter[str] = Counter()
    for event in sim_default_events:
        if event["kind"] == "join":
            size[event["community"]] += 1
            assert size[event["community"]] <= capacity[event["community"]]
        elif event["kind"] == "leave":
            size[event["community"]] -= 1


def test_replies_answer_earlier_questions(sim_default_events: Events) -> None:
    seen: dict[str, dict[str, Any]] = {}
    replies = 0
    for event in sim_default_events:
        if event.get("reply_to"):
            question = seen[event["reply_to"]]
            assert question["community"] == event["community"]
            assert question["kind"] == "message"
            replies += 1
        seen[event["id"]] = event
    assert replies > 2000
    asked = [e for e in sim_default_events if e.get("text") in ("怎么退款？", "几点截单呀？")]
    assert asked


def test_organs_and_attendance(sim_default_events: Events) -> None:
    activities: dict[str, dict[str, Any]] = {}
    attended: Counter[str] = Counter()
    taking_part: set[tuple[str, str]] = set()
    for event in sim_default_events:
        if event["kind"] == "activity":
            assert event["activity"] not in activities
            activities[event["activity"]] = event
        elif event["kind"] == "attend":
            assert activities[event["activity"]]["community"] == event["community"]
            assert (event["activity"], event["person"]) not in taking_part
            taking_part.add((event["activity"], event["person"]))
            attended[activities[event["activity"]]["organ"]] += 1
    organs = Counter(a["organ"] for a in activities.values())
    assert set(organs) == {
        "daily_report", "file", "activity", "closed_meeting", "team_building",
        "daily_topic", "red_packet", "kol_share", "salon", "lecture",
    }  # fmt: skip
    assert all(attended[organ] > 0 for organ in organs if organ != "daily_report")
    closed = {a["community"] for a in activities.values() if a["organ"] == "closed_meeting"}
    ranks = {k: d.get("rank") for k, d in declarations(sim_default_events).items()}
    assert closed and all((ranks[c] or 0) >= 3 for c in closed)


def test_message_types_and_mentions(sim_default_events: Events) -> None:
    messages = [e for e in sim_default_events if e["kind"] == "message"]
    types = Counter(m.get("msg_type") for m in messages)
    assert {"text", "image", "sticker", "red_packet", "link", "file"} <= set(types)
    assert sum(bool(m.get("mentions")) for m in messages) > 500
    for m in messages:
        assert all(PERSON_KEY.match(p) for p in m.get("mentions") or ())


def test_refunds_point_at_earlier_orders(sim_default_events: Events) -> None:
    orders: dict[str, tuple[str, str]] = {}
    refunds = 0
    for event in sim_default_events:
        if event["kind"] == "purchase":
            assert event["order"] not in orders
            orders[event["order"]] = (event["person"], event["community"])
        elif event["kind"] == "refund":
            assert orders[event["order"]] == (event["person"], event["community"])
            refunds += 1
    assert 3 <= refunds <= len(orders) * 0.02


def test_word_of_mouth_tree_is_several_generations_deep(sim_default_events: Events) -> None:
    depth: dict[str, int] = {}
    joined_via_invite = 0
    invited: set[str] = set()
    for event in sim_default_events:
        if event["kind"] == "invite":
            depth[event["invitee"]] = depth.get(event["inviter"], 0) + 1
            invited.add(event["invitee"])
            assert event["campaign"] and event["via"]
        elif event["kind"] == "join" and event["person"] in invited and event.get("via"):
            assert event["source"] in ("friend", "fission_poster") and event["inviter"]
            joined_via_invite += 1
    assert max(depth.values()) >= 3
    assert 0.3 * len(invited) <= joined_via_invite <= 0.8 * len(invited)
    campaigns = {e["campaign"] for e in sim_default_events if e["kind"] == "invite"}
    assert {"spring-fission", "summer-fission"} <= campaigns


def test_people_who_never_engage_leave_more(sim_default_events: Events) -> None:
    active: set[str] = set()
    left: set[str] = set()
    everyone: set[str] = set()
    for event in sim_default_events:
        who = event.get("person")
        if event["kind"] == "join" and not event.get("role"):
            everyone.add(who)
        elif event["kind"] in ("purchase", "attend"):
            active.add(who)
        elif event["kind"] == "leave" and event["reason"] == "leave":
            left.add(who)
    idle = everyone - active
    assert len(left & idle) / len(idle) > 2 * len(left & active) / len(active)


def test_arrival_sources_and_profiles(sim_default_events: Events) -> None:
    sources = Counter(e["source"] for e in sim_default_events if e["kind"] == "join")
    for source in ("official_account", "new_media", "fission_poster", "friend", "offline"):
        assert sources[source] > 50, source
    profiles = [e for e in sim_default_events if e["kind"] == "person" and "region" in e]
    assert {"广州", "深圳", "佛山"} <= {p["region"] for p in profiles}
    assert any(p["consent"] is False for p in profiles) and any(p["consent"] for p in profiles)
    names_seen = {p["name"] for p in profiles}
    assert len(names_seen) > 0.6 * len(profiles)  # nicknames are varied


@pytest.mark.parametrize("member", cast.CAST, ids=lambda m: m.name)
def test_cast_members_appear_with_their_roles(
    sim_default_events: Events, member: cast.CastMember
) -> None:
    assert PERSON_KEY.match(member.key)
    joins = {
        (e["community"], e.get("role"))
        for e in sim_default_events
        if e["kind"] == "join" and e["person"] == member.key
    }
    assert set(member.roles) <= joins
