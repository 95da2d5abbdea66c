"""The simulated world's state: persons, communities and memberships, and how they change."""

from __future__ import annotations

from random import Random
from typing import Any, NamedTuple

from quanzi.sim import cast, names, text
from quanzi.sim.config import SimConfig
from quanzi.sim.daylog import DAY_END, DayLog, Event

MEMBER, SPAM, STAFF = 0, 1, 2
# How engaged people are on arrival, by source: 003's strata (official account = strong
# intent, new media = intent, posters and friends = weak intent).
ENGAGE_BY_SOURCE = {
    "official_account": 0.7,
    "new_media": 0.5,
    "friend": 0.5,
    "fission_poster": 0.28,
    "offline": 0.6,
    "import": 0.55,
    "other": 0.4,
    "ladder": 0.6,
}


class PendingJoin(NamedTuple):
    """An invitee who will accept an invite on a later day (or later today)."""

    person: int
    group: str
    inviter: int
    via: str
    source: str
    after: int  # earliest second on the due day


class Delivery(NamedTuple):
    """Goods of a group-buy drop that arrive at the pickup point on a later day."""

    group: str
    product: str
    buyers: tuple[int, ...]  # a few of the buyers, to @ in the arrival notice


class Person:
    """One person's small, fixed-size state (the same code must hold a million of them)."""

    __slots__ = (
        "engage",
        "groups",
        "idx",
        "key",
        "kind",
        "last",
        "name",
        "orders",
        "rank",
        "rank_day",
        "region",
        "seen",
    )

    def __init__(self, idx: int, key: str, name: str, kind: int, region: str) -> None:
        self.idx = idx
        self.key = key
        self.name = name
        self.kind = kind
        self.region = region
        self.engage = 0.4
        self.groups = 0  # bit set of community indices the person is a member of
        self.rank = -1  # highest rung of the paid ladder reached (-1 = never on it)
        self.rank_day = 0
        self.orders = 0
        self.last = 0  # last day the person did anything
        self.seen = False  # whether their `person` profile event was emitted

    @property
    def ref(self) -> tuple[int, str, str]:
        """Return (idx, key, name) as DayLog.add wants it."""
        return (self.idx, self.key, self.name)

    def activity(self, day: int) -> float:
        """Return how likely the person is to act today; idle people drift to lurking."""
        idle = min(day - self.last, 60)
        return self.engage * (0.4 + 0.6 * 0.985**idle)


class Group:
    """A community's runtime state: its spec, its members and its cast."""

    def __init__(self, spec: cast.CommunitySpec, bit: int) -> None:
        self.spec = spec
        self.key = spec.key
        self.bit = bit
        self.members: list[int] = []
        self._pos: dict[int, int] = {}
        self.open = False
        self.staff: list[Person] = []  # who answers questions and runs organs
        self.kols: list[Person] = []
        self.leader: Person | None = None

    def __len__(self) -> int:
        return len(self.members)

    def add(self, idx: int) -> None:
        """Add a member."""
        self._pos[idx] = len(self.members)
        self.members.append(idx)

    def remove(self, idx: int) -> None:
        """Remove a member in O(1) by swapping the last one into its place."""
        at = self._pos.pop(idx)
        tail = self.members.pop()
        if tail != idx:
            self.members[at] = tail
            self._pos[tail] = at


class World:
    """Everything the simulation knows, plus the primitives that emit events."""

    def __init__(self, cfg: SimConfig) -> None:
        self.cfg = cfg
        self.rng = Random(cfg.seed)
        self.salt = self.rng.getrandbits(64)
        self.persons: list[Person] = []
        self.groups: dict[str, Group] = {}
        for bit, spec in enumerate(cast.COMMUNITIES):
            self.groups[spec.key] = Group(spec, bit)
        self.cast: dict[str, Person] = {}
        self.scale = cfg.people / 2000  # rates tuned at the default size scale with it
        self.order_seq = 0
        self.activity_seq = 0
        self.invite_room = 0  # how many new persons word of mouth may still bring today
        # A ring of about ten days of recent orders that refunds draw from: bounded,
        # whatever the run length, and growing only with the size of the world.
        ring = 512 * max(1, round(self.scale))
        self.recent_orders: list[tuple[int, str, str, int, str] | None] = [None] * ring
        self.recent_at = 0
        # Work scheduled for later days, keyed by day; each list only lives a few days.
        self.pending_joins: dict[int, list[PendingJoin]] = {}
        self.pending_kicks: dict[int, list[tuple[int, str]]] = {}
        self.deliveries: dict[int, list[Delivery]] = {}

    # ---- persons -------------------------------------------------------------------
    def new_person(self, kind: int, qq: bool, source: str, name: str | None = None) -> Person:
        """Create a person with a fresh key, a nickname and a home city."""
        idx = len(self.persons)
        key = names.qq_key(idx, self.salt) if qq else names.wx_key(idx, self.salt)
        city = names.region(self.rng)
        person = Person(idx, key, name or names.nickname(self.rng, city), kind, city)
        base = ENGAGE_BY_SOURCE.get(source, 0.4)
        person.engage = min(1.0, max(0.05, base + self.rng.uniform(-0.25, 0.25)))
        self.persons.append(person)
        return person

    def add_cast(self, member: cast.CastMember) -> Person:
        """Create a cast member with their fixed key and name."""
        person = Person(len(self.persons), member.key, member.name, STAFF, member.region)
        person.engage = 1.0
        self.persons.append(person)
        self.cast[member.key] = person
        return person

    def is_qq(self, person: Person) -> bool:
        """Return whether the person lives on QQ (their key is a QQ number)."""
        return person.key.startswith("qq:")

    def in_group(self, person: Person, group: Group) -> bool:
        """Return whether the person is a member of the group."""
        return bool(person.groups >> group.bit & 1)

    def pick(self, group: Group, day: int, tries: int = 6) -> Person | None:
        """Pick an ordinary member, favouring the engaged (rejection sampling, O(1))."""
        members = group.members
        if not members:
            return None
        for _ in range(tries):
            person = self.persons[members[self.rng.randrange(len(members))]]
            if person.kind == MEMBER and self.rng.random() < person.activity(day):
                return person
        return None

    def pick_any(self, group: Group) -> Person | None:
        """Pick an ordinary member uniformly, engaged or not."""
        for _ in range(4):
            if not group.members:
                return None
            person = self.persons[group.members[self.rng.randrange(len(group.members))]]
            if person.kind != STAFF:
                return person
        return None

    def helper(self, group: Group) -> Person:
        """Pick who answers in a group: its staff, leader or KOLs."""
        crew = list(group.staff)
        if group.leader is not None:
            crew += [group.leader, group.leader]
        crew += group.kols
        return self.rng.choice(crew)

    # ---- events --------------------------------------------------------------------
    def join(
        self,
        log: DayLog,
        person: Person,
        group: Group,
        sec: int,
        source: str,
        inviter: Person | None = None,
        via: str | None = None,
        role: str | None = None,
    ) -> int:
        """Make the person a member: emit `join` (and `person` the first time); return sec."""
        sec = max(sec, log.floor(person.idx, group.key))
        if inviter is not None:
            sec = max(sec, log.floor(inviter.idx, group.key))
            log.touch(inviter.idx, group.key, sec)  # they cannot have left before pulling us in
        log.add(
            sec,
            "join",
            group.key,
            person.ref,
            source=source,
            inviter=inviter.key if inviter else None,
            via=via,
            role=role,
        )
        log.mark_join(person.idx, group.key, sec)
        group.add(person.idx)
        person.groups |= 1 << group.bit
        person.last = log.day
        if group.spec.ladder and group.spec.rank is not None and group.spec.rank > person.rank:
            person.rank, person.rank_day = group.spec.rank, log.day
        if person.kind != STAFF:
            log.joins[group.key] = log.joins.get(group.key, 0) + 1
        if not person.seen and person.kind != STAFF:
            person.seen = True
            self.profile(log, person, sec)
        if person.kind == MEMBER and group.spec.chat_rate > 0.01 and self.rng.random() < 0.3:
            self.say(
                log, person, group, sec + self.rng.randint(10, 600), self.rng.choice(text.HELLO)
            )
        return sec

    def profile(
        self,
        log: DayLog,
        person: Person,
        sec: int,
        role: str | None = None,
        community: str | None = None,
    ) -> None:
        """Emit the person's profile facts (and their role in one community, for the cast)."""
        if person.kind == STAFF:
            fields: dict[str, Any] = {"tags": ["果园鲜生团队"], "consent": True}
        elif person.kind == SPAM:
            fields = {"tags": [], "consent": False}
        else:
            fields = {"tags": names.tags(self.rng), "consent": self.rng.random() < 0.86}
        log.add(sec, "person", community, person.ref, region=person.region, role=role, **fields)

    def leave(self, log: DayLog, person: Person, group: Group, sec: int, reason: str) -> int:
        """End the membership: emit `leave` after anything the person did today; return sec."""
        sec = min(max(sec, log.last(person.idx, group.key) + self.rng.randint(30, 900)), DAY_END)
        log.add(sec, "leave", group.key, person.ref, reason=reason)
        group.remove(person.idx)
        person.groups &= ~(1 << group.bit)
        return sec

    def say(
        self,
        log: DayLog,
        person: Person,
        group: Group,
        sec: int,
        text: str,
        msg_type: str = "text",
        reply: Event | None = None,
        mentions: list[Person] | None = None,
    ) -> Event:
        """Post a message (never before the speaker could be there today)."""
        sec = max(sec, log.floor(person.idx, group.key))
        for mentioned in mentions or ():
            sec = max(sec, log.floor(mentioned.idx, group.key))
        person.last = log.day
        for mentioned in mentions or ():
            log.touch(mentioned.idx, group.key, sec)  # nobody is @-ed after they left
        return log.add(
            sec,
            "message",
            group.key,
            person.ref,
            reply=reply,
            text=text,
            msg_type=msg_type,
            mentions=[m.key for m in mentions] if mentions else None,
        )

    def buy(
        self,
        log: DayLog,
        person: Person,
        group: Group,
        sec: int,
        item: str,
        qty: float,
        amount: float,
        leader: Person | None = None,
    ) -> str:
        """Record an order; return its order id."""
        self.order_seq += 1
        order = f"GY{log.date:%Y%m%d}-{self.cfg.seed}-{self.order_seq:06d}"
        sec = max(sec, log.floor(person.idx, group.key))
        log.add(
            sec,
            "purchase",
            group.key,
            person.ref,
            item=item,
            qty=qty,
            amount=round(amount, 2),
            order=order,
            leader=leader.key if leader else None,
        )
        person.orders += 1
        person.last = log.day
        person.engage = min(1.0, person.engage + 0.04)
        log.orders[group.key] = log.orders.get(group.key, 0) + 1
        self.recent_orders[self.recent_at] = (log.day, order, group.key, person.idx, item)
        self.recent_at = (self.recent_at + 1) % len(self.recent_orders)
        return order

    def start_activity(
        self, log: DayLog, host: Person, group: Group, sec: int, organ: str, title: str
    ) -> str:
        """Emit an `activity` by an organ of the group; return the activity id."""
        self.activity_seq += 1
        activity = f"act-{self.cfg.seed}-{self.activity_seq:06d}"
        log.add(sec, "activity", group.key, host.ref, organ=organ, title=title, activity=activity)
        return activity

    def attend(self, log: DayLog, person: Person, group: Group, sec: int, activity: str) -> None:
        """Emit an `attend`: the person took part in an activity."""
        sec = max(sec, log.floor(person.idx, group.key))
        log.add(sec, "attend", group.key, person.ref, activity=activity)
        person.last = log.day
        person.engage = min(1.0, person.engage + 0.01)


def draw_count(rng: Random, mean: float) -> int:
    """Draw a small count with the given mean (integer part plus a Bernoulli remainder)."""
    whole = int(mean)
    return whole + (1 if rng.random() < mean - whole else 0)
