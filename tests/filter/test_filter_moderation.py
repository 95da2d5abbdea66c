"""The moderation engine: ads, floods, repeats, mass mentions, exemptions and the ladder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from quanzi.domain import filter_rules
from quanzi.domain.moderation import Message, Moderator, message_from_raw, step_label

T0 = datetime(2026, 6, 1, 10, tzinfo=UTC)


def msg(text: str, minutes: float = 0, person: str = "qq:1", **fields: object) -> Message:
    ts = T0 + timedelta(minutes=minutes)
    return Message(id=f"m{minutes}", ts=ts, community="c", person=person, text=text, **fields)  # type: ignore[arg-type]


def test_plain_talk_mentioning_phone_or_wechat_is_allowed() -> None:
    moderator = Moderator()
    for n, text in enumerate(["我微信上发你", "打电话问问团长", "加我微信吧，方便", "电话多少？"]):
        assert moderator.moderate(msg(text, n * 10)).action == "allow"


def test_ads_climb_the_ladder_within_the_window() -> None:
    moderator = Moderator()
    ad = "招代理，加V：ll520666"
    actions = []
    for n in range(7):
        decision = moderator.moderate(msg(ad, n * 60))
        actions.append((decision.action, decision.mute_seconds))
    assert actions == [
        ("warn", 0),
        ("recall", 0),
        ("mute", 600),
        ("mute", 3600),
        ("mute", 86400),
        ("kick", 0),
        ("kick", 0),
    ]
    first = Moderator().moderate(msg(ad))
    assert first.to_dict("m0") == {
        "id": "m0",
        "action": "warn",
        "reasons": [
            {"rule": "ad.contact", "detail": "留了微信/QQ 号 加V:ll520666"},
            {"rule": "ad.words", "detail": "含广告词 代理"},
            {"rule": "ladder", "detail": "7 天内第 1 次违规 → 警告"},
        ],
    }


def test_strikes_expire_after_the_window() -> None:
    moderator = Moderator()
    assert moderator.moderate(msg("兼职日结", 0)).action == "warn"
    assert moderator.moderate(msg("兼职日结", 60)).action == "recall"
    later = 8 * 24 * 60
    assert moderator.moderate(msg("兼职日结", later)).action == "warn"


def test_staff_are_exempt_and_brand_links_allowed() -> None:
    moderator = Moderator()
    link = "秒杀 https://shop.example.com/d/1"
    for role in ("owner", "admin", "staff"):
        assert moderator.moderate(msg(link, role=role)).action == "allow"
    assert moderator.moderate(msg(link, person="qq:2", role="member")).reasons[0].rule == "ad.link"
    own = "今日好价 https://shop.guoyuan.example/d/abc"
    assert moderator.moderate(msg(own, person="qq:3")).action == "allow"


def test_flood_repeat_mentions_and_qr() -> None:
    moderator = Moderator()
    decisions = [moderator.moderate(msg(f"第{n}条", n / 60)) for n in range(6)]
    assert [d.action for d in decisions] == ["allow"] * 5 + ["warn"]
    assert decisions[-1].reasons[0].detail == "10 秒内发了 6 条消息"

    repeat = Moderator()
    said = [repeat.moderate(msg("今天的葡萄真甜啊", n, person="qq:9")) for n in range(3)]
    assert [d.action for d in said] == ["allow", "allow", "warn"]
    assert said[-1].reasons[0].detail == "同一句话重复了 3 次"
    short = Moderator()
    assert {short.moderate(msg("收到", n)).action for n in range(5)} == {"allow"}

    crowd = Moderator()
    assert crowd.moderate(msg("@大家", mentions=5)).action == "allow"
    assert crowd.moderate(msg("@大家", 1, mentions=6)).reasons[0].rule == "mentions"
    assert crowd.moderate(msg("[图片]", 2, qr=True)).reasons[0].rule == "ad.qr"


def test_configured_fixed_actions_and_turned_off_rules() -> None:
    config = filter_rules.load(
        '[moderation.rules."ad.contact"]\naction = "kick"\n[moderation.rules."ad.words"]\n'
        'action = "off"\n'
    )
    moderator = Moderator(config)
    assert moderator.moderate(msg("vx:meimei8899")).action == "kick"
    assert moderator.moderate(msg("招代理", 1, person="qq:2")).action == "allow"


def test_message_lines_are_read_with_chinese_errors() -> None:
    line = {"id": "x", "ts": "2026-06-01T10:00:00+08:00", "text": "hi", "mentions": ["qq:1"]}
    assert message_from_raw(line).mentions == 1
    for bad, error in (
        ({"ts": "2026-06-01T10:00:00+08:00"}, "缺少必填字段 id"),
        ({"id": "x"}, "缺少必填字段 ts"),
        ({"id": "x", "ts": "2026-06-01", "text": 1}, "字段 text 应为字符串"),
    ):
        try:
            message_from_raw(bad)
        except ValueError as exc:
            assert error in str(exc)
        else:
            raise AssertionError(bad)


def test_step_labels() -> None:
    assert [step_label("mute", s) for s in (600, 3600, 86400)] == [
        "禁言 10 分钟",
        "禁言 1 小时",
        "禁言 1 天",
    ]
    assert step_label("kick", 0) == "移出"


@settings(max_examples=200)
@given(st.lists(st.sampled_from(["早", "收到", "葡萄什么时候到？", "vx:meimei8899"]), max_size=30))
def test_property_the_ladder_never_steps_down_within_a_window(texts: list[str]) -> None:
    moderator = Moderator()
    order = {"warn": 1, "recall": 2, "mute": 3, "kick": 4}
    last = 0
    for n, text in enumerate(texts):
        decision = moderator.moderate(msg(text, n * 30))
        if decision.action != "allow":
            rank = order[decision.action] * 10**6 + decision.mute_seconds
            assert rank >= last
            last = rank
