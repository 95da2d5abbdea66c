"""Talking: chatter, questions and answers, and the organs that keep a community alive."""

from __future__ import annotations

from quanzi.domain import vocab
from quanzi.sim import cast, text
from quanzi.sim.daylog import DAY_END, DayLog
from quanzi.sim.world import MEMBER, Group, Person, World, draw_count

QUESTION_SHARE = 0.18
ANSWER_CHANCE = 0.88  # staff answer most questions (003: answer promptly and in detail)
# Which pools each community draws its chat from.
QA_BY_GROUP: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    **dict.fromkeys(cast.TUAN_KEYS, text.QA_TUAN),
    **dict.fromkeys(cast.LADDER_KEYS, text.QA_LADDER),
    "cocreate": text.QA_LADDER + text.QA_TUAN,
    "deals-daily": text.QA_DEALS,
    "qq-fans": text.QA_FANS,
    "qq-garden": text.QA_GARDEN,
}
CHAT_BY_GROUP: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(cast.TUAN_KEYS, text.CHATTER_TUAN),
    **dict.fromkeys(cast.LADDER_KEYS, text.CHATTER_LADDER),
    "cocreate": text.CHATTER_LADDER + text.IDEAS,
    "deals-daily": text.CHATTER_DEALS,
    "qq-fans": text.CHATTER_FANS,
    "qq-garden": text.CHATTER_GARDEN,
}
TOPIC_GROUPS = (*cast.LADDER_KEYS, "cocreate", "qq-garden", "qq-fans")
REPORT_GROUPS = (*cast.LADDER_KEYS[1:], "cocreate")
# The organ calendar (000's five organs plus 003's perks): (organ, every n days, offset,
# share of members who take part, cap on participants).
ORGANS: dict[str, tuple[tuple[str, int, int, float, int], ...]] = {
    "ladder-free": (("lecture", 30, 12, 0.06, 80), ("activity", 21, 5, 0.05, 60)),
    "ladder-100": (
        ("kol_share", 7, 3, 0.2, 80),
        ("lecture", 14, 6, 0.25, 100),
        ("file", 10, 1, 0.15, 80),
        ("red_packet", 7, 5, 0.3, 40),
    ),
    "ladder-500": (
        ("kol_share", 7, 4, 0.3, 60),
        ("salon", 30, 13, 0.3, 30),
        ("file", 10, 2, 0.2, 60),
        ("red_packet", 7, 6, 0.4, 30),
    ),
    "ladder-1000": (
        ("salon", 30, 20, 0.4, 30),
        ("closed_meeting", 30, 24, 0.6, 30),
        ("team_building", 90, 40, 0.5, 30),
        ("file", 10, 3, 0.3, 40),
    ),
    "ladder-5000": (
        ("closed_meeting", 30, 10, 0.8, 20),
        ("team_building", 60, 25, 0.7, 20),
        ("file", 14, 4, 0.4, 20),
    ),
    "cocreate": (
        ("kol_share", 5, 2, 0.2, 50),
        ("activity", 14, 9, 0.15, 30),
        ("file", 21, 7, 0.1, 30),
    ),
    "qq-garden": (("kol_share", 7, 1, 0.12, 80), ("file", 10, 4, 0.08, 60)),
    "qq-fans": (("kol_share", 10, 6, 0.06, 80), ("red_packet", 14, 3, 0.1, 40)),
    **{
        key: (("activity", 14, 4, 0.05, 40), ("red_packet", 10, 8, 0.1, 30))
        for key in cast.TUAN_KEYS
    },
}
PROMOTE_DAYS = (45, 100, 150)  # when co-creation members are made KOLs of the group
OFFLINE = ("salon", "team_building", "closed_meeting")
# Organs held at a fixed hour: (start second, length in seconds).
HOURS: dict[str, tuple[int, int]] = {
    "kol_share": (20 * 3600, 3600),
    "lecture": (20 * 3600, 5400),
    "salon": (14 * 3600, 10800),
    "team_building": (14 * 3600, 14400),
    "closed_meeting": (19 * 3600 + 1800, 7200),
}


def fruits(log: DayLog) -> list[cast.Product]:
    """Return the fruit in season today (what people ask and talk about)."""
    return [p for p in cast.PRODUCTS if log.date.month in p.months and len(p.months) < 12]


def chatter(w: World, log: DayLog) -> None:
    """Ordinary chat in every open community: questions with answers, small talk, photos."""
    weekend = 1.25 if log.date.weekday() >= 5 else 1.0
    season = fruits(log)
    for group in w.groups.values():
        if not group.open:
            continue
        pickup = cast.GROUP_BUYS[group.key][1] if group.key in cast.GROUP_BUYS else "自提点"
        for _ in range(draw_count(w.rng, len(group) * group.spec.chat_rate * weekend)):
            person = w.pick(group, log.day)
            if person is None:
                continue
            product = w.rng.choice(season).name
            sec = log.clock(lo=log.floor(person.idx, group.key))
            if w.rng.random() < QUESTION_SHARE:
                _question(w, log, group, person, sec, product, pickup)
            else:
                _small_talk(w, log, group, person, sec, product, pickup)


def _question(
    w: World, log: DayLog, group: Group, person: Person, sec: int, product: str, pickup: str
) -> None:
    question, answers = w.rng.choice(QA_BY_GROUP[group.key])
    ask = w.say(log, person, group, sec, question.format(p=product, pickup=pickup))
    if w.rng.random() >= ANSWER_CHANCE:
        return  # some questions go unanswered: a health signal for the console
    helper = w.helper(group)
    if w.rng.random() < 0.12:
        helper = w.pick(group, log.day) or helper  # a keen member answers first
    answer = w.rng.choice(answers).format(p=product, pickup=pickup)
    at = log.last_sec + w.rng.randint(40, 2400)
    w.say(log, helper, group, at, answer, reply=ask, mentions=[person])


def _small_talk(
    w: World, log: DayLog, group: Group, person: Person, sec: int, product: str, pickup: str
) -> None:
    x = w.rng.random()
    if x < 0.08:
        w.say(log, person, group, sec, w.rng.choice(text.STICKERS), "sticker")
    elif x < 0.13:
        w.say(log, person, group, sec, "[图片]", "image")
    elif x < 0.16 and group.leader is not None:
        line = f"@{group.leader.name} 我的那份到了吗？"
        w.say(log, person, group, sec, line, mentions=[group.leader])
    else:
        pool = CHAT_BY_GROUP[group.key] if x < 0.7 else text.CHATTER_COMMON
        line = w.rng.choice(pool).format(p=product, pickup=pickup)
        w.say(log, person, group, sec, line)


def _host(group: Group) -> Person | None:
    """Return who runs a group's organs: its leader in a group buy, else its first staff."""
    if group.leader is not None:
        return group.leader
    return group.staff[0] if group.staff else None


def daily_organs(w: World, log: DayLog) -> None:
    """Staff set a daily topic in the morning and post a daily report at night (000, 003)."""
    for key in TOPIC_GROUPS:
        group, host = w.groups[key], _host(w.groups[key])
        if not group.open or host is None or len(group) < 8:
            continue
        topic, answers = w.rng.choice(text.DAILY_TOPICS)
        sec = log.clock(lo=max(8 * 3600, log.floor(-1, key)), hi=10 * 3600)
        activity = w.start_activity(log, host, group, sec, "daily_topic", f"今日话题：{topic}")
        post = w.say(log, host, group, sec + 5, f"【今日话题】{topic} 欢迎大家聊聊～")
        joined: set[int] = set()
        for _ in range(min(draw_count(w.rng, len(group) * 0.06), 40)):
            person = w.pick(group, log.day)
            if person is not None:
                at = log.clock(lo=max(sec + 60, log.floor(person.idx, key)))
                w.say(log, person, group, at, w.rng.choice(answers), reply=post)
                if person.idx not in joined:  # answering twice is still taking part once
                    joined.add(person.idx)
                    w.attend(log, person, group, log.last_sec + 1, activity)
    tomorrow = w.rng.choice(text.TOMORROW)
    for key in REPORT_GROUPS:
        group, host = w.groups[key], _host(w.groups[key])
        if not group.open or host is None:
            continue
        sec = log.clock(lo=21 * 3600, hi=21 * 3600 + 1800)
        report = text.DAILY_REPORT.format(
            date=f"{log.date.month}月{log.date.day}日",
            news=text.ORCHARD_NEWS[log.date.month],
            joins=sum(log.joins.values()),
            orders=sum(log.orders.values()),
            tomorrow=tomorrow,
        )
        title = f"果园日报 {log.date.month}月{log.date.day}日"
        w.start_activity(log, host, group, sec, "daily_report", title)
        w.say(log, host, group, sec + 3, report)


def calendar(w: World, log: DayLog) -> None:
    """Run the organ calendar: shares, lectures, salons, closed meetings, team building…"""
    saturday = log.date.weekday() == 5
    for key, organs in ORGANS.items():
        group = w.groups[key]
        if not group.open:
            continue
        for organ, every, offset, share, cap in organs:
            if organ in OFFLINE:
                # Offline gatherings happen on Saturdays, once every `every // 7` weeks.
                weeks = max(1, every // 7)
                due = saturday and (log.day // 7) % weeks == (offset // 7) % weeks
            else:
                due = log.day % every == offset % every
            if due:
                turnout = min(cap, draw_count(w.rng, len(group) * share))
                _organ(w, log, group, organ, turnout)


def _organ(w: World, log: DayLog, group: Group, organ: str, turnout: int) -> None:
    """Run one organ: announce it, hold it at its hour, record who took part."""
    host = _host(group)
    owner = w.cast.get(cast.OWNER.key)
    if organ == "kol_share" and group.kols:
        host = w.rng.choice(group.kols)
    elif organ in ("red_packet", "closed_meeting", "team_building") and owner is not None:
        host = owner if w.in_group(owner, group) else host
    if host is None:
        return
    fruit = w.rng.choice(fruits(log)).name
    pool = text.ACTIVITY_TITLES[organ]
    if organ == "activity" and group.key in cast.GROUP_BUYS:
        pool = text.GROUP_ACTIVITIES["tuan"]
    elif organ == "activity" and group.key == "cocreate":
        pool = text.GROUP_ACTIVITIES["cocreate"]
    title = w.rng.choice(pool).format(p=fruit)
    if organ == "kol_share" and host.kind == MEMBER:
        title = f"{host.name}的分享：我家{fruit}的吃法"
    lo = max(log.floor(-1, group.key), 9 * 3600)
    if organ in HOURS:
        # Announced in the morning, held at its hour; people take part while it runs.
        start, length = HOURS[organ]
        announce = log.clock(lo=lo, hi=12 * 3600)
        words = text.ACTIVITY_ANNOUNCE.format(
            organ=vocab.ORGANS[organ], title=title, when=text.WHEN[organ]
        )
        w.say(log, host, group, announce, words)
        sec = max(start, announce + 600)
        activity = w.start_activity(log, host, group, sec, organ, title)
        window = (sec, sec + length)
    else:
        sec = log.clock(lo=lo, hi=20 * 3600)
        activity = w.start_activity(log, host, group, sec, organ, title)
        if organ == "red_packet":
            w.say(log, host, group, sec + 2, text.RED_PACKET, "red_packet")
            window = (sec + 3, sec + 600)  # red packets are grabbed within minutes
        elif organ == "file":
            w.say(log, host, group, sec + 2, title, "file")
            w.say(log, host, group, sec + 30, text.FILE_NOTE.format(title=title))
            window = (sec + 60, DAY_END)
        else:
            words = text.ACTIVITY_ANNOUNCE.format(
                organ=vocab.ORGANS[organ], title=title, when=text.WHEN[organ]
            )
            w.say(log, host, group, sec + 2, words)
            window = (sec + 60, DAY_END)
    taking_part: set[int] = set()
    for _ in range(turnout):
        person = w.pick(group, log.day)
        if person is None or person.idx in taking_part:
            continue
        taking_part.add(person.idx)
        at = max(window[0], log.floor(person.idx, group.key))
        at = w.rng.randint(at, max(at, window[1]))
        w.attend(log, person, group, at, activity)
        if organ == "red_packet" and w.rng.random() < 0.3:
            w.say(log, person, group, at + w.rng.randint(2, 60), w.rng.choice(text.THANKS))
        elif organ == "activity" and w.rng.random() < 0.3:
            w.say(log, person, group, at + 1, w.rng.choice(text.SIGNUP))
        elif organ in OFFLINE and w.rng.random() < 0.2:
            w.say(log, person, group, at + w.rng.randint(600, 3600), "[图片]", "image")


def cocreation(w: World, log: DayLog) -> None:
    """The seeding group (001): product ideas, beta-test reviews, and new KOLs from its fans."""
    group = w.groups["cocreate"]
    if not group.open or not group.staff:
        return
    for _ in range(draw_count(w.rng, 1.5 * w.scale)):
        person = w.pick(group, log.day)
        if person is None:
            continue
        pool = text.REVIEWS if w.rng.random() < 0.45 else text.IDEAS
        post = w.say(
            log, person, group, log.clock(lo=log.floor(person.idx, group.key)), w.rng.choice(pool)
        )
        if w.rng.random() < 0.8:
            replier = w.rng.choice(group.staff + group.kols)
            at = min(log.last_sec + w.rng.randint(120, 5400), DAY_END)
            w.say(log, replier, group, at, w.rng.choice(text.IDEA_REPLIES), reply=post)
    if log.day in PROMOTE_DAYS and len(group.kols) < 8:
        for _ in range(2):
            person = w.pick(group, log.day, tries=20)
            if person is not None and person not in group.kols and person.orders >= 2:
                sec = log.clock(lo=10 * 3600, hi=12 * 3600)
                log.add(sec, "person", group.key, person.ref, role="kol")
                group.kols.append(person)
                note = f"恭喜 @{person.name} 成为共创群的果粉体验官，以后新品请你先尝！"
                w.say(log, group.staff[0], group, sec + 30, note, mentions=[person])
