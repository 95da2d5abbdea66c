"""Question detection in Chinese chat, first staff answers, working hours, percentiles."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from quanzi.domain.retain_questions import (
    AnswerRules,
    ChatMessage,
    find_questions,
    is_question,
    percentile,
    working_seconds,
)

CST = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    "text",
    [
        "葡萄什么时候到？",
        "多少钱一箱",
        "今天能取吗",
        "怎么退款",
        "有没有小份装",
        "能不能便宜点",
        "请问回放在哪看",
        "几点截单呀",
        "这个是什么",
        "你呢",
        "@团长 我的那份到了吗？",
        "可以送货上门不? ",
        "为啥还没发货",
    ],
)
def test_questions_are_found(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "谢谢团长～",
        "今天的葡萄真甜！",
        "不管怎么样都支持你",
        "多多少少有点酸",
        "没什么，就是问问",
        "什么都好吃",
        "吗啡止痛效果好",
        "怎么说呢，还行",
        "坏多少退多少，放心",  # a correlative, not a question
        "下期问问能不能拆半箱",  # an embedded question in a statement
        "老陈讲葡萄怎么挑",
        "我买了几箱",
        "同问",
        "[捂脸]",
        "【今日话题】你最喜欢哪种葡萄？",  # an announcement to all, not a question to answer
        "好嘛",
        "谁知道呢",
    ],
)
def test_false_positives_are_not_questions(text: str) -> None:
    assert not is_question(text)


def at(hour: int, minute: int = 0, second: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=CST)


def test_first_staff_answer_by_reply_mention_or_follow() -> None:
    staff = {"wx:staff", "wx:kol"}
    stream = [
        ChatMessage("q1", at(10), "wx:a", "葡萄什么时候到？"),
        ChatMessage("m1", at(10, 1), "wx:b", "早"),
        ChatMessage("q2", at(10, 10), "wx:b", "多少钱一箱"),
        ChatMessage("s1", at(10, 14), "wx:kol", "团购价68"),  # follows q2 within 5 min
        ChatMessage("s2", at(10, 20), "wx:staff", "明天到", reply_to="q1"),
        ChatMessage("q3", at(12), "wx:c", "能开发票吗"),
        ChatMessage("q4", at(13), "wx:a", "有没有小份装？"),
        ChatMessage("s3", at(13, 2), "wx:staff", "好的", reply_to="x9"),  # aimed elsewhere
        ChatMessage("s4", at(13, 6), "wx:staff", "大家好"),  # past the 5-minute window
        ChatMessage("s5", at(12, 30, day=3), "wx:staff", "@c 可以开", mentions=("wx:c",)),
        ChatMessage("q5", at(14), "wx:staff", "大家有什么问题吗？"),  # staff ask: not counted
        ChatMessage("s6", at(14, 1), "wx:a", "[图片]", msg_type="image"),
    ]
    found = find_questions(stream, staff, AnswerRules())
    got = [(q.message.id, q.answer.id if q.answer else None, q.how, q.seconds) for q in found]
    assert got == [
        ("q1", "s2", "reply", 1200.0),
        ("q2", "s1", "follow", 240.0),
        ("q3", None, None, None),  # the mention came after the 24-hour window
        ("q4", None, None, None),
    ]
    wider = AnswerRules(mention_window_seconds=2 * 86400)
    assert find_questions(stream, staff, wider)[2].how == "mention"


def test_working_seconds_count_only_working_hours() -> None:
    rules = AnswerRules()  # 9:00–21:00
    assert working_seconds(at(20, 30), at(9, 15, day=3), rules) == 45 * 60
    assert working_seconds(at(22), at(8, day=3), rules) == 0
    assert working_seconds(at(10), at(10, 5), rules) == 300


def test_percentile_is_nearest_rank() -> None:
    assert percentile(range(1, 11), 0.9) == 9
    assert percentile([4, 1, 3, 2], 0.5) == 2
    assert percentile([], 0.9) is None
