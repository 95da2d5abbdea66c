"""How people arrive, get screened, bring friends, step up the paid ladder and leave."""

from __future__ import annotations

from datetime import date

from quanzi.sim import cast, names, text
from quanzi.sim.daylog import DAY_END, DayLog
from quanzi.sim.world import MEMBER, Group, PendingJoin, Person, World, draw_count

QQ_SHARE = 0.2  # share of organic arrivals who come to the QQ groups
INVITE_SHARE = 0.4  # share of each day's new persons that word of mouth may bring
# Paid ladder (000): per-member daily chance to consider the next rung, and the days of
# membership it takes first, from rung r to r + 1. Trust takes weeks; fewer at each rung.
STEP_RATE = (0.004, 0.006, 0.02, 0.02)
MIN_TENURE = (7, 21, 28, 35)
# Expected outsiders per day (at 2,000 people) who buy rung r without the rung below.
OUTSIDER_RATE = (0.0, 0.12, 0.02, 0.006, 0.002)

# Where an organic WeChat arrival lands, by source: (group, weight); "tuan" = local group buy.
LANDING: dict[str, tuple[tuple[str, float], ...]] = {
    "official_account": (("ladder-free", 0.55), ("tuan", 0.25), ("deals-daily", 0.2)),
    "new_media": (("deals-daily", 0.4), ("ladder-free", 0.35), ("tuan", 0.25)),
    "fission_poster": (("deals-daily", 0.75), ("tuan", 0.25)),
    "offline": (("tuan", 0.8), ("ladder-free", 0.2)),
    "friend": (("tuan", 0.5), ("deals-daily", 0.25), ("ladder-free", 0.25)),
}
WX_SOURCES = (("official_account", 24), ("new_media", 26), ("fission_poster", 22), ("offline", 10))
WX_FRIEND_WEIGHT = 18
QQ_SOURCES = (("new_media", 55), ("official_account", 15), ("friend", 20), ("other", 10))
TUAN_BY_CITY = {city: key for key, (_, _, city) in cast.GROUP_BUYS.items()}


def active_campaign(today: date) -> cast.Campaign | None:
    """Return the fission campaign running on `today`, if any."""
    md = (today.month, today.day)
    for campaign in cast.CAMPAIGNS:
        if campaign.start <= campaign.end:
            if campaign.start <= md <= campaign.end:
                return campaign
        elif md >= campaign.start or md <= campaign.end:
            return campaign
    return None


def arrival_weight(today: date, day: int) -> float:
    """Return the relative inflow of new people on a day: launch buzz, campaigns, weekends."""
    weight = 1.0
    if day < 14:
        weight *= 1.6
    if active_campaign(today) is not None:
        weight *= 1.3
    if today.month in (7, 8, 9):  # grape season draws people
        weight *= 1.3
    if today.weekday() >= 5:
        weight *= 1.2
    return weight


def launch(w: World, log: DayLog) -> None:
    """Declare the communities that open today and let their cast join with roles."""
    for spec in cast.COMMUNITIES:
        if spec.launch_day != log.day and not (log.day == 0 and spec.launch_day >= w.cfg.days):
            continue
        # Communities that would open after the run ends open on day 0, so that even a
        # short run has the whole world.
        group = w.groups[spec.key]
        sec = 8 * 3600 + w.rng.randrange(1800)
        log.open_community(spec.key, sec)
        # A WeChat group holds 500; at larger scales one simulated group stands for a fleet
        # of same-named shards, so its declared capacity grows with the world.
        capacity = spec.capacity * max(1, round(w.scale))
        log.add(
            sec,
            "community",
            spec.key,
            None,
            name=spec.name,
            purpose=spec.purpose,
            model=spec.model,
            type=spec.type,
            carrier=spec.carrier,
            price=spec.price,
            ladder=spec.ladder,
            rank=spec.rank,
            capacity=capacity,
        )
        group.open = True
        owner: Person | None = None
        for member in cast.CAST:
            for community, role in member.roles:
                if community != spec.key:
                    continue
                person = w.cast.get(member.key) or w.add_cast(member)
                sec += w.rng.randint(5, 60)
                w.join(log, person, group, sec, "other", role=role)
                if role != "member":
                    w.profile(log, person, sec, role, spec.key)
                if role == "leader":
                    group.leader = person
                elif role == "kol":
                    group.kols.append(person)
                elif role in ("admin", "staff"):
                    group.staff.append(person)
                elif role == "owner":
                    owner = person
        if not group.staff and owner is not None:
            group.staff.append(owner)  # a group without operators is run by its owner


def import_founders(w: World, log: DayLog, count: int) -> None:
    """Bring in the original workplace group (004) that the Tianhe group buy grew from."""
    group = w.groups["tuan-tianhe"]
    base = log.floor(-1, group.key)
    for _ in range(count):
        person = w.new_person(MEMBER, False, "import")
        person.region = "广州"
        w.join(log, person, group, base + w.rng.randint(60, 1800), "import")


def _weighted(w: World, options: tuple[tuple[str, float], ...]) -> str:
    total = sum(weight for _, weight in options)
    x = w.rng.random() * total
    for option, weight in options:
        x -= weight
        if x < 0:
            return option
    return options[-1][0]


def _landing(w: World, person: Person, source: str) -> Group:
    key = _weighted(w, LANDING[source])
    if key == "tuan":
        key = TUAN_BY_CITY.get(person.region, "deals-daily")
    group = w.groups[key]
    return group if group.open else w.groups["deals-daily"]


def organic(w: World, log: DayLog, count: int) -> None:
    """Bring `count` new people on their own: official account, new media, posters, offline."""
    qq_open = [g for g in (w.groups["qq-fans"], w.groups["qq-garden"]) if g.open]
    for _ in range(count):
        if qq_open and w.rng.random() < QQ_SHARE:
            source = _weighted(w, QQ_SOURCES)
            person = w.new_person(MEMBER, True, source)
            group = qq_open[0] if len(qq_open) == 1 or w.rng.random() < 0.65 else qq_open[1]
            inviter = w.pick(group, log.day) if source == "friend" else None
            _request(w, log, person, group, source, inviter, admit=0.93)
            continue
        sources = (*WX_SOURCES, ("friend", WX_FRIEND_WEIGHT))
        source = _weighted(w, sources)
        person = w.new_person(MEMBER, False, source)
        group = _landing(w, person, source)
        inviter = w.pick(group, log.day) if source == "friend" else None
        if source == "friend" and inviter is None:
            source = "other"
        w.join(log, person, group, log.clock(), source, inviter=inviter)


def _request(
    w: World,
    log: DayLog,
    person: Person,
    group: Group,
    source: str,
    inviter: Person | None,
    admit: float,
    via: str | None = None,
    after: int = 0,
) -> None:
    """A QQ join request with the group's question answered; most are admitted."""
    answer = w.rng.choice(names.JOIN_ANSWERS.get(source, names.JOIN_ANSWERS["other"]))
    lo = max(after, log.floor(person.idx, group.key))
    if inviter is not None:
        lo = max(lo, log.floor(inviter.idx, group.key))
    sec = log.clock(lo=lo)
    if inviter is not None:
        log.touch(inviter.idx, group.key, sec)
    log.add(
        sec,
        "join_request",
        group.key,
        person.ref,
        comment=names.JOIN_QUESTION + answer,
        avatar=names.avatar_hash(person.idx, w.salt),
        source=source,
        inviter=inviter.key if inviter else None,
        via=via,
    )
    if not answer:
        admit /= 2  # admins ignore blank answers half the time
    if w.rng.random() < admit:
        w.join(log, person, group, sec + w.rng.randint(120, 4 * 3600), source, inviter, via)


def invite(w: World, log: DayLog, person: Person, group: Group, sec: int) -> None:
    """A buyer shares a referral with friends (002's word of mouth); some will join."""
    if w.invite_room <= 0 or person.kind != MEMBER:
        return
    campaign = active_campaign(log.date)
    chance = 0.05 + 0.16 * person.engage + (0.05 if campaign else 0.0)
    if w.rng.random() >= chance:
        return
    target = w.groups["ladder-free"] if group.spec.price > 0 else group
    if not w.in_group(person, target):
        return  # only members can pull friends into a group
    code = names.invite_code(person.idx, w.salt)
    via = f"{campaign.code}-{code}" if campaign else f"YQ-{code}"
    friends = 1 + (w.rng.random() < 0.3) + (w.rng.random() < 0.1)
    for _ in range(min(friends, w.invite_room)):
        poster = campaign is not None and w.rng.random() < 0.6
        source = "fission_poster" if poster else "friend"
        invitee = w.new_person(MEMBER, w.is_qq(person), source)
        if target.key in TUAN_BY_CITY.values():
            invitee.region = person.region  # neighbours invite neighbours
        w.invite_room -= 1
        sec += w.rng.randint(30, 1800)
        log.add(
            sec,
            "invite",
            target.key,
            person.ref,
            inviter=person.key,
            invitee=invitee.key,
            campaign=campaign.key if campaign else "friend-referral",
            via=via,
        )
        if w.rng.random() < 0.5:
            delay = w.rng.choice((0, 0, 1, 1, 2, 3))
            after = sec + 60 if delay == 0 else 0  # same-day joins come after the invite
            pending = PendingJoin(invitee.idx, target.key, person.idx, via, source, after)
            w.pending_joins.setdefault(log.day + delay, []).append(pending)


def invitee_joins(w: World, log: DayLog) -> None:
    """Invitees who accepted join today, naming who brought them and the code they used."""
    for pending in w.pending_joins.pop(log.day, []):
        person, group = w.persons[pending.person], w.groups[pending.group]
        inviter = w.persons[pending.inviter]
        after = pending.after
        if group.spec.carrier == "qq":
            _request(w, log, person, group, pending.source, inviter, 0.97, pending.via, after)
            continue
        sec = log.clock(lo=min(after, DAY_END - 60))
        w.join(log, person, group, sec, pending.source, inviter=inviter, via=pending.via)


def ladder(w: World, log: DayLog) -> None:
    """Members step up the paid ladder after weeks of trust; a few outsiders buy in directly."""
    rungs = [w.groups[key] for key in cast.LADDER_KEYS]
    for rank in range(len(rungs) - 1):
        low, high = rungs[rank], rungs[rank + 1]
        if not (low.open and high.open):
            continue
        for _ in range(draw_count(w.rng, len(low) * STEP_RATE[rank])):
            person = w.pick(low, log.day)
            if person is None or person.rank != rank or w.in_group(person, high):
                continue
            if log.day - person.rank_day >= MIN_TENURE[rank]:
                _buy_tier(w, log, person, high, "ladder", came_from=low)
    feeders = [w.groups[key] for key in ("deals-daily", *cast.TUAN_KEYS, "cocreate")]
    for rank in range(1, len(rungs)):
        high = rungs[rank]
        if not high.open:
            continue
        for _ in range(draw_count(w.rng, OUTSIDER_RATE[rank] * w.scale)):
            person = w.pick(w.rng.choice(feeders), log.day)
            if person is not None and person.rank < rank - 1 and not w.in_group(person, high):
                _buy_tier(w, log, person, high, "official_account")


def _buy_tier(
    w: World,
    log: DayLog,
    person: Person,
    group: Group,
    source: str,
    came_from: Group | None = None,
) -> None:
    """Pay for a rung (`tier:<community>`) and join it minutes later."""
    sec = log.clock(lo=9 * 3600, hi=22 * 3600)
    if came_from is not None:
        log.touch(person.idx, came_from.key, sec)  # still on the rung below when paying
    w.buy(log, person, group, sec, f"tier:{group.key}", 1, group.spec.price)
    sec = w.join(log, person, group, sec + w.rng.randint(60, 900), source)
    host = group.staff[0] if group.staff else w.helper(group)
    welcome = text.WELCOME_PAID.format(name=person.name, group=group.spec.name)
    w.say(log, host, group, sec + w.rng.randint(20, 300), welcome, mentions=[person])


def cross_joins(w: World, log: DayLog) -> None:
    """People already in one group join another: deals → free group, buyers → co-creation."""
    free, deals = w.groups["ladder-free"], w.groups["deals-daily"]
    for _ in range(draw_count(w.rng, len(deals) * 0.002)):
        person = w.pick(deals, log.day)
        if person is not None and not w.in_group(person, free):
            w.join(log, person, free, log.clock(), "other")
    for key in cast.TUAN_KEYS:
        group = w.groups[key]
        if not group.open or group.leader is None:
            continue
        for _ in range(draw_count(w.rng, len(group) * 0.0015)):
            person = w.pick(group, log.day)
            if person is not None and not w.in_group(person, free):
                w.join(log, person, free, log.clock(), "friend", inviter=group.leader)
    cocreate = w.groups["cocreate"]
    if cocreate.open and cocreate.staff:
        sources = [w.groups[key] for key in (*cast.TUAN_KEYS, "ladder-100")]
        for _ in range(draw_count(w.rng, 0.8 * w.scale)):
            person = w.pick(w.rng.choice(sources), log.day)
            if person is not None and person.orders >= 2 and not w.in_group(person, cocreate):
                w.join(log, person, cocreate, log.clock(), "friend", inviter=cocreate.staff[0])


def churn(w: World, log: DayLog) -> None:
    """People leave: mostly those who never engaged, rarely those who buy."""
    for group in w.groups.values():
        if not group.open:
            continue
        for _ in range(draw_count(w.rng, len(group) * group.spec.churn_rate)):
            person = w.pick_any(group)
            if person is None or person.kind != MEMBER:
                continue
            odds = (1 - person.activity(log.day)) ** 1.5 * (1.6 if person.orders == 0 else 0.5)
            if w.rng.random() < odds and log.last(person.idx, group.key) < DAY_END - 1800:
                w.leave(log, person, group, log.clock(), "leave")
