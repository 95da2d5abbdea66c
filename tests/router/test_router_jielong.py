"""The 接龙 parser on a corpus of real-shaped texts, and parse ∘ render as a round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quanzi.domain.jielong import Entry, Jielong, chinese_number, is_jielong, parse, render
from tests.router.corpus import CORPUS


def test_corpus_has_at_least_forty_texts() -> None:
    assert len(CORPUS) >= 40


@pytest.mark.parametrize(("text", "title", "example", "expected"), CORPUS)
def test_corpus(text: str, title: str, example: str | None, expected: list[tuple]) -> None:
    parsed = parse(text)
    assert parsed.title == title
    assert parsed.example == example
    assert [(e.name, e.qty, e.unit, e.note) for e in parsed.entries] == [
        (name, float(qty), unit, note) for name, qty, unit, note in expected
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [("两", 2), ("十", 10), ("十二", 12), ("二十", 20), ("二十五", 25), ("一百", 100),
     ("半", 0.5), ("两半", 2.5), ("三百零五", 305)],
)  # fmt: skip
def test_chinese_numbers(text: str, value: float) -> None:
    assert chinese_number(text) == value


def test_numbers_are_kept_as_typed_and_empty_lines_skipped() -> None:
    parsed = parse("#接龙\n鲜虾\n\n1. 丁 2斤\n2.\n3. 戊 1斤")
    assert [(e.seq, e.name) for e in parsed.entries] == [(1, "丁"), (3, "戊")]


def test_description_lines_and_raw_lines_are_kept() -> None:
    parsed = parse("#接龙\n阳光玫瑰\n22点截单\n次日到货\n\n1. 张三 2箱")
    assert parsed.description == "22点截单\n次日到货"
    assert parsed.entries[0].raw == "1. 张三 2箱"


def test_quotes_and_other_messages_are_not_threads() -> None:
    assert is_jielong("#接龙\n葡萄\n\n1. 张三")
    assert is_jielong("#Group Note\nGrapes")
    assert not is_jielong("张三：#接龙\n葡萄\n- - - - - - - - - - - - - - -\n好的")
    assert not is_jielong("葡萄什么时候到？")


names = st.text(
    alphabet=st.sampled_from(list("张王李赵美玲强燕小大阿老周陈Amy")), min_size=1, max_size=6
)
notes = st.sampled_from(["", "自提", "3栋502", "送货上门", "放门口", "12栋1801 下午送"])
units = st.sampled_from(["箱", "斤", "份", "盒", "袋", "个", None])
quantities = st.sampled_from([1, 2, 3, 5, 10, 2.5, 0.5, 12])


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    unit = draw(units)
    qty = float(draw(quantities))
    if unit is None:
        qty = float(int(qty)) or 1.0
    return Entry(0, draw(names), qty, unit, draw(notes), "")


@given(
    title=st.sampled_from(["阳光玫瑰葡萄 ¥79/箱", "【南山】牛肉团 今晚截单", "周末沙龙报名"]),
    rows=st.lists(entries(), max_size=25),
    example=st.sampled_from([None, "张三 2箱 3栋502"]),
)
def test_render_then_parse_gives_the_same_entries(
    title: str, rows: list[Entry], example: str | None
) -> None:
    original = Jielong(title, "", example, tuple(rows))
    again = parse(render(original))
    assert again.title == title and again.example == example
    assert [(e.name, e.qty, e.unit, e.note) for e in again.entries] == [
        (e.name, e.qty, e.unit, e.note) for e in rows
    ]
