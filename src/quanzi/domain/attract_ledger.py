"""The fission ledger: which invites are valid, recomputed from events (任务宝 / 群裂变 rules)."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from quanzi.domain.attract_campaign import CampaignRules, Stage

VALID, WAITING, INVALID = "valid", "waiting", "invalid"
REASONS = {
    "valid": "有效邀请",
    "self": "邀请了自己",
    "duplicate": "已被他人先邀请（首个邀请人有效）",
    "not_new": "被邀请前已是活动社群成员",
    "rejected": "入群申请被筛选拒绝",
    "not_joined": "尚未入群",
    "left_early": "观察期内退群，阶段奖励收回",
    "in_window": "已入群，观察期未满",
    "outside_window": "邀请不在活动时间内",
    "not_target": "邀请进的社群不是活动的目标社群",
}


@dataclass(frozen=True)
class InviteFact:
    """One `invite` event: who asked whom, into which community, for which campaign."""

    event: int
    ts: datetime
    inviter: str
    invitee: str
    community: str
    campaign: str | None = None


@dataclass(frozen=True)
class Stay:
    """One membership span of a person in a community, from its `join` and `leave` events."""

    person: str
    community: str
    joined: datetime
    left: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    """The ledger's verdict on one invite, with its reason and the join it led to."""

    invite: InviteFact
    status: str
    reason: str
    joined: datetime | None = None
    left: datetime | None = None


@dataclass
class History:
    """Everything the ledger needs besides the invites: stays, rejections, the as-of time."""

    stays: Sequence[Stay]
    rejected: Iterable[tuple[str, str]] = ()  # (person, community) refused by screening
    now: datetime | None = None
    window: timedelta = timedelta(hours=24)
    by_person: dict[str, list[Stay]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for stay in sorted(self.stays, key=lambda s: s.joined):
            self.by_person.setdefault(stay.person, []).append(stay)
        self.rejected = frozenset(self.rejected)


def judge(
    invites: Iterable[InviteFact],
    history: History,
    rules: dict[str, CampaignRules] | None = None,
) -> list[Outcome]:
    """Return each invite's outcome; earlier invites claim an invitee first."""
    # A campaign in `rules` (a stored one) has its own targets, window and stay; any other
    # campaign's targets are the communities its invites point at, with the history's stay.
    rules = rules or {}
    ordered = sorted(invites, key=lambda i: (i.ts, i.event))
    targets: dict[str | None, set[str]] = defaultdict(set)
    for invite in ordered:
        targets[invite.campaign].add(invite.community)
    for key, rule in rules.items():
        targets[key] = set(rule.targets)
    claimed: set[tuple[str | None, str]] = set()
    outcomes = []
    for invite in ordered:
        found = rules.get(invite.campaign or "")
        outcome = _judge_one(invite, targets[invite.campaign], claimed, history, found)
        outcomes.append(outcome)
    return outcomes


def _judge_one(
    invite: InviteFact,
    targets: set[str],
    claimed: set[tuple[str | None, str]],
    history: History,
    rule: CampaignRules | None = None,
) -> Outcome:
    """Apply the rules in order: self, window, target, new, first inviter, joined, stayed."""
    if invite.invitee == invite.inviter:
        return Outcome(invite, INVALID, "self")
    if rule is not None and not rule.in_window(invite.ts):
        return Outcome(invite, INVALID, "outside_window")
    if invite.community not in targets:
        return Outcome(invite, INVALID, "not_target")
    stays = [s for s in history.by_person.get(invite.invitee, []) if s.community in targets]
    if any(s.joined < invite.ts for s in stays):
        return Outcome(invite, INVALID, "not_new")
    key = (invite.campaign, invite.invitee)
    if key in claimed:
        return Outcome(invite, INVALID, "duplicate")
    claimed.add(key)
    if not stays:
        refused = any((invite.invitee, c) in history.rejected for c in targets)
        return Outcome(invite, INVALID, "rejected" if refused else "not_joined")
    stay = stays[0]
    deadline = stay.joined + (history.window if rule is None else rule.stay)
    if stay.left is not None and stay.left < deadline:
        return Outcome(invite, INVALID, "left_early", stay.joined, stay.left)
    if stay.left is None and history.now is not None and history.now < deadline:
        return Outcome(invite, WAITING, "in_window", stay.joined)
    return Outcome(invite, VALID, "valid", stay.joined)


def stages_reached(valid: int, stages: Sequence[int]) -> int:
    """How many reward stages (N valid friends each) an inviter has reached."""
    return sum(1 for need in sorted(stages) if valid >= need)


@dataclass(frozen=True)
class Progress:
    """One inviter's reward stages: reached now, still pending, and taken back."""

    reached: tuple[Stage, ...]
    pending: tuple[Stage, ...]
    taken_back: tuple[Stage, ...]


def progress(outcomes: Iterable[Outcome], stages: Sequence[Stage]) -> Progress:
    """Stages one inviter's invites earn: reached (valid), pending (waiting), taken back."""
    # As 任务宝 tools count: a joined invitee counts from the join, one who leaves inside
    # the window is subtracted again; a stage the running count once reached but no longer
    # holds, even counting invitees still in their window, is taken back.
    moves: list[tuple[datetime, int]] = []
    valid = waiting = 0
    for o in outcomes:
        valid += o.status == VALID
        waiting += o.status == WAITING
        if o.joined is not None and o.reason in ("valid", "in_window", "left_early"):
            moves.append((o.joined, 1))
            if o.reason == "left_early" and o.left is not None:
                moves.append((o.left, -1))
    peak = count = 0
    for _, step in sorted(moves):
        count += step
        peak = max(peak, count)
    reached = tuple(s for s in stages if s.friends <= valid)
    pending = tuple(s for s in stages if valid < s.friends <= valid + waiting)
    taken = tuple(s for s in stages if valid + waiting < s.friends <= peak)
    return Progress(reached, pending, taken)


def by_inviter(outcomes: Iterable[Outcome]) -> dict[str, Counter[str]]:
    """Each inviter's invites counted by status."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for o in outcomes:
        counts[o.invite.inviter][o.status] += 1
    return dict(counts)


def k_factor(outcomes: Sequence[Outcome]) -> float | None:
    """Invitations per inviter × conversion to valid invites (None with no invites)."""
    if not outcomes:
        return None
    inviters = {o.invite.inviter for o in outcomes}
    per_inviter = len(outcomes) / len(inviters)
    conversion = sum(o.status == VALID for o in outcomes) / len(outcomes)
    return per_inviter * conversion


def cycle_time_days(outcomes: Iterable[Outcome], first_join: dict[str, datetime]) -> float | None:
    """Median days from an inviter's own first join to their valid invitees' joins."""
    gaps = [
        (o.joined - first_join[o.invite.inviter]).total_seconds() / 86400
        for o in outcomes
        if o.status == VALID and o.joined is not None and o.invite.inviter in first_join
    ]
    gaps = [g for g in gaps if g >= 0]
    return statistics.median(gaps) if gaps else None


def generations(outcomes: Iterable[Outcome]) -> list[int]:
    """People per generation of the valid-invite tree; index 0 counts the seeds."""
    parent = {o.invite.invitee: o.invite.inviter for o in outcomes if o.status == VALID}
    depth: dict[str, int] = {}

    def level(person: str) -> int:
        path = []
        while person not in depth and person in parent and person not in path:
            path.append(person)
            person = parent[person]
        base = depth.get(person, 0)
        for step, node in enumerate(reversed(path), start=1):
            depth[node] = base + step
        return depth.get(path[0], base) if path else base

    counts: Counter[int] = Counter()
    seeds = {p for p in parent.values() if p not in parent}
    counts[0] = len(seeds)
    for person in parent:
        counts[level(person)] += 1
    return [counts[g] for g in range(max(counts) + 1)] if parent else []


def predicted_growth(seeds: int, k: float, cycle_days: float, days: int) -> list[float]:
    """Cumulative people after each day if every cycle multiplies the last wave by K."""
    curve = []
    for day in range(days + 1):
        cycles = int(day // cycle_days) if cycle_days > 0 else 0
        curve.append(round(seeds * sum(k**i for i in range(cycles + 1)), 2))
    return curve
