"""Selling: group-buy drops with 接龙 threads, deal posts, member offers, refunds."""

from __future__ import annotations

from quanzi.sim import cast, names, text
from quanzi.sim.daylog import DAY_END, DayLog
from quanzi.sim.growth import invite
from quanzi.sim.jielong import Thread, phrase, quantity
from quanzi.sim.world import Delivery, Group, Person, World, draw_count

PRODUCT_BY_KEY = {product.key: product for product in cast.PRODUCTS}
CUTOFF = 22 * 3600
DROP_CHANCE = 0.55  # group-buy leaders open a drop on about every other day
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def in_season(log: DayLog) -> list[cast.Product]:
    """Return the products in season today."""
    return [p for p in cast.PRODUCTS if log.date.month in p.months]


def _choose(w: World, products: list[cast.Product]) -> cast.Product:
    # The orchard's own fruit is pushed hardest when in season.
    weights = [p.popularity * (2.5 if p.key in cast.OWN_PRODUCTS else 1.0) for p in products]
    return w.rng.choices(products, weights=weights)[0]


def _fmt(product: cast.Product, **extra: object) -> dict[str, object]:
    price = int(product.price) if product.price == int(product.price) else product.price
    return {"p": product.name, "spec": product.spec, "price": price, "unit": product.unit, **extra}


def drops(w: World, log: DayLog) -> None:
    """Each group-buy leader may open a drop today: announce, 接龙, orders, cut-off."""
    season = in_season(log)
    for key in cast.TUAN_KEYS:
        group = w.groups[key]
        if not group.open or group.leader is None:
            continue
        # Above the default size one group stands for a fleet of shards (天河1群, 2群, …),
        # each with its own drops and 接龙 of the usual length.
        for shard in range(draw_count(w.rng, DROP_CHANCE * max(1.0, w.scale))):
            label = group.spec.name.split("·")[0]
            if w.scale > 1:
                label += f"{shard + 1}群"
            _drop(w, log, group, group.leader, _choose(w, season), label)


def _drop(
    w: World, log: DayLog, group: Group, leader: Person, product: cast.Product, label: str
) -> None:
    _, pickup, _ = cast.GROUP_BUYS[group.key]
    fields = _fmt(product, pickup=pickup, group=label)
    start = log.clock(lo=max(9 * 3600, log.floor(-1, group.key)), hi=19 * 3600)
    w.say(log, leader, group, start, w.rng.choice(text.DROP_ANNOUNCE).format(**fields))
    for _ in range(w.rng.randint(0, 4)):  # leaders show the goods with a few photos
        w.say(log, leader, group, start + w.rng.randint(5, 25), "[图片]", "image")
    example = text.DROP_EXAMPLE.format(**fields) if w.rng.random() < 0.75 else None
    thread = Thread(text.DROP_TITLE.format(**fields), example)
    opened = start + w.rng.randint(30, 300)
    w.say(log, leader, group, opened, thread.render())
    mean = len(group) / max(1.0, w.scale) * product.popularity * w.rng.uniform(0.6, 1.4)
    buyers: list[Person] = []
    chosen: set[int] = set()
    for _ in range(min(draw_count(w.rng, mean), 120)):
        person = w.pick(group, log.day)
        if person is not None and person.idx not in chosen:
            chosen.add(person.idx)
            buyers.append(person)
    times = sorted(w.rng.randint(opened + 60, CUTOFF) for _ in buyers)
    last, units, posted = opened, 0, []
    for person, sec in zip(buyers, times, strict=True):
        # Each post repeats the list so far: it must come after the previous post.
        sec = max(sec, last, log.floor(person.idx, group.key))
        if sec > CUTOFF + 900:
            continue
        qty = quantity(w.rng)
        body = thread.append(
            person.name, phrase(w.rng, qty, product.unit), names.address(person.idx)
        )
        w.say(log, person, group, sec, body)
        pay = sec + w.rng.randint(5, 240)
        w.buy(log, person, group, pay, product.key, qty, product.price * qty, leader)
        invite(w, log, person, group, pay)
        last, units = sec, units + qty
        posted.append(person.idx)
    if not posted:
        return
    closing = text.CUTOFF.format(**fields, n=len(posted), qty=units)
    w.say(log, leader, group, max(CUTOFF, last + 60), closing)
    if w.rng.random() < 0.3:
        late = w.pick(group, log.day)
        if late is not None:
            sec = CUTOFF + w.rng.randint(300, 3000)
            ask = w.say(log, late, group, sec, w.rng.choice(text.LATE))
            sec = log.last_sec + w.rng.randint(60, 600)
            w.say(log, leader, group, sec, "截单啦，下期早点哦～", reply=ask)
    due = log.day + w.rng.choice((1, 2, 2, 3))
    delivery = Delivery(group.key, product.key, tuple(posted[:4]))
    w.deliveries.setdefault(due, []).append(delivery)


def deliveries(w: World, log: DayLog) -> None:
    """Goods arrive at the pickup point: the leader posts 到货了 and @s buyers."""
    for delivery in w.deliveries.pop(log.day, []):
        group = w.groups[delivery.group]
        if group.leader is None:
            continue
        product = PRODUCT_BY_KEY[delivery.product]
        _, pickup, _ = cast.GROUP_BUYS[group.key]
        buyers = [w.persons[i] for i in delivery.buyers if w.in_group(w.persons[i], group)]
        message = w.rng.choice(text.ARRIVAL).format(p=product.name, pickup=pickup)
        sec = log.clock(lo=13 * 3600, hi=17 * 3600)
        w.say(log, group.leader, group, sec, message, mentions=buyers or None)
        if w.rng.random() < 0.5:
            w.say(log, group.leader, group, sec + w.rng.randint(10, 120), "[图片]", "image")
        for buyer in buyers[:2]:
            if w.rng.random() < 0.5:
                thanks = w.rng.choice(("取到了，谢谢团长", "收到，很新鲜👍", "[图片] 今天的很甜"))
                kind = "image" if thanks.startswith("[图片]") else "text"
                w.say(log, buyer, group, log.clock(lo=sec + 600), thanks, kind)


def deals(w: World, log: DayLog) -> None:
    """The deals group (004): staff post links all day, nobody chats, some people buy."""
    group = w.groups["deals-daily"]
    if not group.open or not group.staff:
        return
    host, season = group.staff[0], in_season(log)
    posts: list[tuple[int, cast.Product]] = []
    for _ in range(w.rng.randint(3, 6)):
        product = _choose(w, season)
        code = "".join(w.rng.choice(_B36) for _ in range(6))
        sec = log.clock(lo=max(8 * 3600, log.floor(-1, group.key)), hi=21 * 3600)
        post = w.rng.choice(text.DEAL_POSTS).format(**_fmt(product, code=code))
        w.say(log, host, group, sec, post, "link")
        posts.append((sec, product))
    for _ in range(draw_count(w.rng, len(group) * 0.01)):
        person = w.pick(group, log.day)
        if person is None:
            continue
        sec, product = w.rng.choice(posts)
        qty = quantity(w.rng)
        paid = sec + w.rng.randint(60, 7200)
        w.buy(log, person, group, paid, product.key, qty, round(product.price * 0.9, 1) * qty)
        invite(w, log, person, group, paid)


def member_offers(w: World, log: DayLog) -> None:
    """Weekly member-price offers in the paid rungs, where people buy more."""
    if log.day % 7 != 2:
        return
    season = in_season(log)
    for key in cast.LADDER_KEYS[1:]:
        group = w.groups[key]
        if not group.open or not group.staff:
            continue
        product = _choose(w, season)
        price = round(product.price * 0.85)
        sec = log.clock(lo=max(10 * 3600, log.floor(-1, group.key)), hi=11 * 3600)
        offer = text.MEMBER_DEAL.format(**{**_fmt(product), "price": price})
        w.say(log, group.staff[0], group, sec, offer)
        for _ in range(draw_count(w.rng, len(group) * 0.18)):
            person = w.pick(group, log.day)
            if person is not None:
                qty = quantity(w.rng)
                paid = log.clock(lo=sec + 60)
                w.buy(log, person, group, paid, product.key, qty, price * qty)
                invite(w, log, person, group, paid)


def fan_shop(w: World, log: DayLog) -> None:
    """QQ fans order from the mini-program after seeing posts in their group."""
    group, season = w.groups["qq-fans"], in_season(log)
    if not group.open:
        return
    for _ in range(draw_count(w.rng, len(group) * 0.004)):
        person = w.pick(group, log.day)
        if person is not None:
            product, qty = _choose(w, season), quantity(w.rng)
            paid = log.clock()
            w.buy(log, person, group, paid, product.key, qty, product.price * qty)
            invite(w, log, person, group, paid)


def refunds(w: World, log: DayLog) -> None:
    """A few orders from the last week are refunded: bad fruit, and a rare membership refund."""
    ring = w.recent_orders
    for _ in range(draw_count(w.rng, 0.35 * w.scale)):
        slot = w.rng.randrange(len(ring))
        entry = ring[slot]
        if entry is None or not 1 <= log.day - entry[0] <= 7:
            continue
        _, order, key, idx, item = entry
        tier = item.startswith("tier:")
        if tier and w.rng.random() > 0.1:
            continue
        ring[slot] = None
        person, group = w.persons[idx], w.groups[key]
        sec = log.clock(lo=9 * 3600, hi=21 * 3600)
        if not tier and w.in_group(person, group):
            name = PRODUCT_BY_KEY[item].name
            ask = w.say(log, person, group, sec, w.rng.choice(text.REFUND_ASK).format(p=name))
            helper = w.helper(group)
            sec = log.last_sec + w.rng.randint(120, 3600)
            w.say(log, helper, group, sec, w.rng.choice(text.REFUND_DONE), reply=ask)
        log.add(min(sec + 60, DAY_END), "refund", key, person.ref, order=order)
        if tier and w.in_group(person, group):
            w.leave(log, person, group, sec + 600, "leave")
