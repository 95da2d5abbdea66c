"""KOL, KOC and KOT: who draws replies, whose invites buy, whose groups convert — with reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

ROLES = {"KOL": "关键意见领袖", "KOC": "关键意见消费者", "KOT": "关键意见团长/渠道"}
ROLE_WEIGHT, RANK_WEIGHT = 0.8, 0.2
SUPER_SHARE = 0.01  # the top 1% by PageRank or betweenness are flagged as super users


@dataclass
class Signals:
    """Per-person evidence gathered from the log; graph arrays are indexed like `people`."""

    people: list[str]
    names: dict[str, str]
    pagerank: np.ndarray
    betweenness: np.ndarray
    replies: dict[str, float] = field(default_factory=dict)  # decayed replies (+½ mentions)
    repliers: dict[str, int] = field(default_factory=dict)
    brought: dict[str, tuple[int, int, float]] = field(default_factory=dict)  # buyers, orders, ¥
    buyers: set[str] = field(default_factory=set)
    led: dict[str, tuple[int, float]] = field(default_factory=dict)  # orders, ¥ as leader


def _top_share(values: np.ndarray) -> set[int]:
    """Indices in the top SUPER_SHARE of `values` (at least one when any is positive)."""
    if len(values) == 0 or float(values.max()) <= 0:
        return set()
    count = max(1, int(len(values) * SUPER_SHARE))
    order = np.argsort(-values, kind="stable")[:count]
    return {int(i) for i in order if values[i] > 0}


def raw_scores(s: Signals) -> dict[str, dict[str, float]]:
    """Each role's raw evidence per person: decayed replies, invitees' spend, led GMV."""
    koc = {p: b[2] for p, b in s.brought.items() if p in s.buyers and b[2] > 0}
    return {
        "KOL": {p: v for p, v in s.replies.items() if v > 0},
        "KOC": koc,
        "KOT": {p: v[1] for p, v in s.led.items() if v[1] > 0},
    }


def _reasons(s: Signals, person: str, role: str) -> list[str]:
    if role == "KOL":
        return [
            f"收到回复与@ {s.replies[person]:.1f}（按 30 天半衰期加权），"
            f"来自 {s.repliers.get(person, 0)} 人"
        ]
    if role == "KOC":
        buyers, orders, amount = s.brought[person]
        return [f"邀请来的 {buyers} 人下单 {orders} 笔，共 ¥{amount:,.0f}", "自己也是买家"]
    orders, amount = s.led[person]
    return [f"作为团长带单 {orders} 笔，共 ¥{amount:,.0f}"]


def rank_roles(s: Signals, top: int = 20) -> list[dict[str, Any]]:
    """Give each person their strongest role and rank everyone by score (0–100)."""
    index = {p: i for i, p in enumerate(s.people)}
    peak = float(s.pagerank.max()) if len(s.pagerank) else 0.0
    order = np.argsort(-s.pagerank, kind="stable")
    position = {int(i): r + 1 for r, i in enumerate(order)}
    supers = _top_share(s.pagerank) | _top_share(s.betweenness)
    best: dict[str, tuple[float, str]] = {}
    for role, values in raw_scores(s).items():
        top_value = max(values.values(), default=0.0)
        for person, value in values.items():
            i = index.get(person)
            rank_part = float(s.pagerank[i]) / peak if i is not None and peak > 0 else 0.0
            score = 100 * (ROLE_WEIGHT * value / top_value + RANK_WEIGHT * rank_part)
            if person not in best or score > best[person][0]:
                best[person] = (score, role)
    rows: list[dict[str, Any]] = []
    for person, (score, role) in best.items():
        reasons = _reasons(s, person, role)
        i = index.get(person)
        if i is not None:
            reasons.append(f"PageRank 第 {position[i]} 名")
            if i in supers:
                reasons.append("超级用户：PageRank 或中介中心度居前 1%")
        rows.append({"person": person, "role": role, "score": round(score, 1), "reasons": reasons})
    rows.sort(key=lambda r: (-r["score"], r["person"]))
    return rows[:top]
