"""Moderation: marketing accounts (003) trying to get in, ads, and admins kicking them."""

from __future__ import annotations

from quanzi.sim import cast, names, text
from quanzi.sim.daylog import DAY_END, DayLog
from quanzi.sim.world import SPAM, STAFF, Group, Person, World, draw_count

SPAM_SHARE = 0.05  # share of each day's new persons who are marketing accounts
SPAM_ON_QQ = 0.65  # most try the QQ groups, where a join request is all it takes
SPAM_ADMITTED = 0.3  # share of their QQ requests that admins wave through


def spam(w: World, log: DayLog, count: int) -> None:
    """Marketing accounts (003) try to get in; some do, post ads and get kicked."""
    qq_open = [g for g in (w.groups["qq-fans"], w.groups["qq-garden"]) if g.open]
    for _ in range(count):
        name, avatar, wxid = names.spam_identity(w.rng)
        on_qq = bool(qq_open) and w.rng.random() < SPAM_ON_QQ
        person = w.new_person(SPAM, on_qq, "other", name=name)
        if on_qq:
            group = w.rng.choice(qq_open)
            sec = log.clock(lo=log.floor(-1, group.key))
            log.add(
                sec,
                "join_request",
                group.key,
                person.ref,
                comment=names.JOIN_QUESTION + w.rng.choice(names.SPAM_ANSWERS).format(wx=wxid),
                avatar=avatar,
                source=w.rng.choice(("fission_poster", "new_media", "other")),
            )
            if w.rng.random() >= SPAM_ADMITTED:
                continue  # rejected or ignored by the admins
            sec = w.join(log, person, group, sec + w.rng.randint(300, 7200), "other")
        else:
            group = w.groups["deals-daily"]
            sec = w.join(log, person, group, log.clock(), "fission_poster")
        ad = w.rng.choice(names.SPAM_ADS).format(wx=wxid)
        msg_type = "image" if ad.startswith("[图片]") else "text"
        w.say(log, person, group, sec + w.rng.randint(60, 5400), ad, msg_type)
        # Admins usually notice the ad the same day; late-night ads wait for the morning.
        if w.rng.random() < 0.65 and log.last(person.idx, group.key) < DAY_END - 7200:
            kick(w, log, person, group)
        else:
            w.pending_kicks.setdefault(log.day + 1, []).append((person.idx, group.key))


def kick(w: World, log: DayLog, person: Person, group: Group) -> None:
    """An admin removes the person and tells the group why."""
    if not w.in_group(person, group):
        return
    sec = log.last(person.idx, group.key) + w.rng.randint(300, 3600)
    sec = max(sec, 7 * 3600 + w.rng.randrange(3600))  # admins notice it in the morning
    sec = w.leave(log, person, group, sec, "kick")
    admin = group.staff[0] if group.staff else group.leader
    if admin is not None:
        message = text.KICK_SPAM if person.kind == SPAM else text.WARN
        w.say(log, admin, group, sec + w.rng.randint(1000, 1500), message)


def due_kicks(w: World, log: DayLog) -> None:
    """Kick yesterday's ad posters that admins only noticed today."""
    for idx, key in w.pending_kicks.pop(log.day, []):
        kick(w, log, w.persons[idx], w.groups[key])


def member_ads(w: World, log: DayLog) -> None:
    """Now and then an ordinary member advertises in a group and is removed."""
    for _ in range(draw_count(w.rng, 0.02 * w.scale)):
        group = w.groups[w.rng.choice(("ladder-free", "deals-daily", *cast.TUAN_KEYS))]
        person = w.pick_any(group)
        if person is None or person.kind == STAFF or not group.open:
            continue
        w.say(log, person, group, log.clock(hi=DAY_END - 7200), w.rng.choice(text.MEMBER_AD))
        kick(w, log, person, group)
