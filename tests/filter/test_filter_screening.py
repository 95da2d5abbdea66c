"""The screening engine: every built-in rule, the false positives it must not make, properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quanzi.domain import filter_rules
from quanzi.domain.filter_text import AD_WORDS, ad_words, contacts, links
from quanzi.domain.screening import History, JoinRequest, Screener, answer_of, phash_value
from quanzi.domain.screening_stream import StreamHistory, request_from_raw, screen_stream

QUESTION = "问题：你是怎么知道我们的？\n答案："
T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)


def rules_of(screener: Screener, request: JoinRequest, history: History | None = None) -> list:
    return [r.rule for r in screener.screen(request, history).reasons]


def req(name: str = "小王", comment: str = QUESTION + "朋友推荐", **fields: object) -> JoinRequest:
    return JoinRequest(id="r", name=name, comment=comment, **fields)  # type: ignore[arg-type]


@pytest.fixture
def screener() -> Screener:
    return Screener()


@pytest.mark.parametrize(
    "name", ["A小美护肤", "AAA建材批发", "A-优选", "A1童装", "A 小美", "Ａ小美"]
)
def test_a_prefix_names_are_hit(screener: Screener, name: str) -> None:
    assert "name.a_prefix" in rules_of(screener, req(name))


@pytest.mark.parametrize("name", ["Alice", "Amy Chen", "Anna", "阿May", "小A", "A", "AAlice"])
def test_latin_names_starting_with_a_are_not_hit(screener: Screener, name: str) -> None:
    assert "name.a_prefix" not in rules_of(screener, req(name))


@pytest.mark.parametrize("name", ["王姐", "美妆张姐", "微商李姐", "保险刘姐🌸"])
def test_jie_names_are_hit(screener: Screener, name: str) -> None:
    assert "name.jie" in rules_of(screener, req(name))


@pytest.mark.parametrize("name", ["广州-王小姐", "空姐", "姐姐", "姐", "Jie姐"])
def test_jie_exceptions_and_non_cjk_are_not_hit(screener: Screener, name: str) -> None:
    assert "name.jie" not in rules_of(screener, req(name))


def test_jie_exception_list_is_configurable() -> None:
    config = filter_rules.load('[rules."name.jie"]\nexceptions = ["王姐"]\n')
    screener = Screener(config)
    assert "name.jie" not in rules_of(screener, req("王姐"))
    assert "name.jie" in rules_of(screener, req("广州-王小姐"))


@pytest.mark.parametrize("name", ["乐乐", "丽丽", "🌸乐乐🌸", "~丽丽~", "「萌萌」"])
def test_reduplicated_names_are_hit(screener: Screener, name: str) -> None:
    assert "name.reduplicated" in rules_of(screener, req(name))


@pytest.mark.parametrize("name", ["乐乐妈", "王丽丽", "乐", "乐乐乐", "LeLe", "豆豆爸"])
def test_other_names_are_not_reduplicated(screener: Screener, name: str) -> None:
    assert "name.reduplicated" not in rules_of(screener, req(name))


def test_a_name_alone_is_a_flag_not_a_verdict(screener: Screener) -> None:
    verdict = screener.screen(req("乐乐"))
    assert verdict.verdict == "admit"
    assert [(r.rule, r.action) for r in verdict.reasons] == [("name.reduplicated", "flag")]
    # Two flags together send the request to a human.
    assert screener.screen(req("A丽丽微商")).verdict == "review"


def test_contact_handoffs_reject_with_what_matched(screener: Screener) -> None:
    verdict = screener.screen(req(comment=QUESTION + "加我vx：meimei8899"))
    assert verdict.verdict == "reject"
    assert verdict.to_dict("r")["reasons"] == [
        {"rule": "comment.contact", "detail": "申请理由留了微信/QQ 号 vx:meimei8899"}
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("加我vx：meimei8899", ["vx:meimei8899"]),
        ("加V：ll520666", ["加V:ll520666"]),
        ("诚招兼职，日结，Vjz_rijie168", ["Vjz_rijie168"]),
        ("v信 daigou_777", ["v信 daigou_777"]),
        ("威信:kk13800", ["威信:kk13800"]),
        ("薇 yuyu6688", ["薇 yuyu6688"]),
        ("电话 138 0013 8000", ["13800138000"]),
        ("138-0013-8000", ["13800138000"]),
        ("ｖｘ：ａｂｃ１２３４", ["vx:abc1234"]),
    ],
)
def test_contacts_are_found(text: str, found: list[str]) -> None:
    assert [h.text for h in contacts(text)] == found


@pytest.mark.parametrize(
    "text",
    [
        "加我微信",
        "我微信上发你",
        "微信群里看到的",
        "打电话给我",
        "电话多少？",
        "Vivian2024你好",
        "3栋502 10-3-201\n16. 杨力",
        "订单号 2026050113800138000",
    ],
)
def test_plain_talk_about_wechat_or_phones_is_not_a_contact(text: str) -> None:
    assert contacts(text) == []


def test_links_skip_allowed_domains() -> None:
    text = "看 https://shop.guoyuan.example/d/x1 和 www.baidu.com"
    assert [h.text for h in links(text, ["guoyuan.example"])] == ["www.baidu.com"]


@pytest.mark.parametrize("text", ["代.理", "招 商", "兼-职", "刷😀单", "一件 代 发"])
def test_ad_words_match_after_separators_are_stripped(text: str) -> None:
    assert len(ad_words(text)) == 1


def test_ad_words_in_comment_reject_and_in_name_flag(screener: Screener) -> None:
    verdict = screener.screen(req("Amy代购", QUESTION + "高端护肤品招 商加盟"))
    assert [(r.rule, r.action, r.detail) for r in verdict.reasons] == [
        ("name.ad_words", "flag", "昵称含广告词 代购"),
        ("comment.ad_words", "reject", "申请理由含广告词 招商、加盟"),
    ]
    assert verdict.verdict == "reject"


def test_answer_check_is_off_until_configured(screener: Screener) -> None:
    assert "answer.check" not in rules_of(screener, req(comment=QUESTION + "随便"))
    config = filter_rules.load('[rules."answer.check"]\nkeywords = ["公众号", "小红书"]\n')
    checked = Screener(config)
    assert "answer.check" in rules_of(checked, req(comment=QUESTION + "随便"))
    assert "answer.check" not in rules_of(checked, req(comment=QUESTION + "果园鲜生公众号"))
    pattern = Screener(filter_rules.load('[rules."answer.check"]\npattern = "^\\\\d{4}$"\n'))
    assert "answer.check" not in rules_of(pattern, req(comment=QUESTION + "2026"))
    assert answer_of("问题：几号？\n答案： 3号 ") == "3号"
    assert answer_of("没有问题的理由") == "没有问题的理由"


def test_avatar_blocklist_uses_hamming_distance() -> None:
    config = filter_rules.load('avatar_blocklist = ["phash:c3c3e1f0f8783c1e"]\n')
    screener = Screener(config)
    near = "phash:c3c3e1f0f8783c1f"  # one bit away
    far = "phash:3c3c1e0f0787c3e1"
    verdict = screener.screen(req(avatar=near))
    assert verdict.verdict == "reject"
    assert "汉明距离 1" in verdict.reasons[0].detail
    assert rules_of(screener, req(avatar=far)) == []
    assert phash_value("https://x/a.png") is None


def test_history_rules(screener: Screener) -> None:
    history = History(
        kicked_before=True,
        left_before=True,
        rejected_before=True,
        inviter_status="kicked",
        avatar_accounts=2,
        inviter_requests=5,
        code_requests=6,
    )
    verdict = screener.screen(req(avatar="phash:0000000000000001"), history)
    assert [r.rule for r in verdict.reasons] == [
        "avatar.ring",
        "history.kicked",
        "history.left",
        "history.rejected",
        "history.inviter",
        "burst.inviter",
        "burst.code",
    ]
    assert verdict.verdict == "reject"
    quiet = History(avatar_accounts=1, inviter_requests=4, code_requests=4)
    assert rules_of(screener, req(avatar="phash:0000000000000001"), quiet) == []


def test_account_facts(screener: Screener) -> None:
    young = req(level=0, ts=T0, registered=T0 - timedelta(days=3))
    assert rules_of(screener, young) == ["account.level", "account.age"]
    old = req(level=5, ts=T0, registered=T0 - timedelta(days=400))
    assert rules_of(screener, old) == []
    assert rules_of(screener, req()) == []  # unknown facts say nothing


def test_precedence_whitelist_then_blacklist_then_rules() -> None:
    text = 'whitelist = ["qq:1", "A小美护肤"]\nblacklist = ["qq:1", "qq:2"]\n'
    screener = Screener(filter_rules.load(text))
    spam = QUESTION + "加我vx：meimei8899"
    listed = screener.screen(req("A小美护肤", spam, person="qq:3"))
    assert (listed.verdict, listed.reasons[0].rule) == ("admit", "whitelist")
    assert screener.screen(req(person="qq:1")).verdict == "admit"
    banned = screener.screen(req(person="qq:2"))
    assert (banned.verdict, [r.rule for r in banned.reasons]) == ("reject", ["blacklist"])


def test_rules_can_be_turned_off_or_made_stricter() -> None:
    off = Screener(filter_rules.load('[rules."comment.contact"]\naction = "off"\n'))
    assert off.screen(req(comment="vx:meimei8899")).verdict == "admit"
    strict = Screener(filter_rules.load('[rules."name.reduplicated"]\naction = "reject"\n'))
    assert strict.screen(req("乐乐")).verdict == "reject"


def test_stream_history_finds_rings_bursts_and_rejected_inviters() -> None:
    stock = "phash:c3c3e1f0f8783c1e"
    raws = [
        {"id": "a", "person": "qq:1", "name": "小甲", "avatar": stock},
        {"id": "b", "person": "qq:2", "name": "小乙", "avatar": stock},
        {"id": "c", "person": "qq:3", "name": "小丙", "avatar": stock},
        {"id": "d", "person": "qq:4", "comment": "vx:meimei8899"},
        {"id": "e", "person": "qq:5", "inviter": "qq:4"},
    ]
    verdicts = screen_stream(Screener(), [request_from_raw(r) for r in raws])
    assert [v.verdict for v in verdicts] == ["admit", "admit", "review", "reject", "review"]
    assert verdicts[2].reasons[0].detail == "同一头像近 30 天已被 2 个其他账号使用"
    assert verdicts[4].reasons[0].rule == "history.inviter"


def test_stream_burst_window_uses_timestamps() -> None:
    screener = Screener()
    history = StreamHistory(screener)
    counts = []
    for n, minute in enumerate([0, 10, 20, 30, 40, 50, 130]):
        ts = (T0 + timedelta(minutes=minute)).isoformat()
        request = request_from_raw({"id": str(n), "person": f"qq:{n}", "via": "X1", "ts": ts})
        counts.append(history.before(request).code_requests)
    assert counts == [1, 2, 3, 4, 5, 6, 1]


names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
latin = st.from_regex(r"A[a-z][A-Za-z ]{0,10}", fullmatch=True)


@settings(max_examples=300)
@given(latin)
def test_property_latin_a_names_never_hit(name: str) -> None:
    assert "name.a_prefix" not in rules_of(Screener(), req(name))


@settings(max_examples=300)
@given(st.text(alphabet="一二三四五六七八九十丽乐萌甜", min_size=1, max_size=4), names)
def test_property_a_then_cjk_always_hit(tail: str, rest: str) -> None:
    assert "name.a_prefix" in rules_of(Screener(), req("A" + tail + rest))


@settings(max_examples=200)
@given(st.sampled_from(AD_WORDS), st.lists(st.sampled_from(" .-_·~!，。😀"), max_size=3))
def test_property_separators_never_hide_an_ad_word(word: str, separators: list[str]) -> None:
    gap = "".join(separators)
    assert [h.text for h in ad_words(gap.join(word))] == [word]


@settings(max_examples=300)
@given(names, names, st.sampled_from(["", "朋友推荐", "加我vx：meimei8899"]))
def test_property_verdict_is_the_strongest_action(name: str, extra: str, answer: str) -> None:
    verdict = Screener().screen(req(name + extra, QUESTION + answer))
    actions = [r.action for r in verdict.reasons]
    if "reject" in actions:
        assert verdict.verdict == "reject"
    elif "review" in actions or actions.count("flag") >= 2:
        assert verdict.verdict == "review"
    else:
        assert verdict.verdict == "admit"


@settings(max_examples=200)
@given(names)
def test_property_screening_is_deterministic(name: str) -> None:
    screener = Screener()
    assert screener.screen(req(name)) == screener.screen(req(name))
