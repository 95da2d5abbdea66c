"""Questions in Chinese group chat, and the first answer to each by the community's staff.

Seed 003: intent users are won by answering their questions in detail and promptly. A
message is a question when it ends in a question mark, or carries a question particle or
question word (吗, 怎么, 多少, 什么时候, 有没有, 能不能…) used as a question rather than in a
set phrase (不管怎么样, 多多少少, 没什么, 吗啡…). The first answer is the earliest staff
message that replies to it, mentions the asker, or simply follows it within a window.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

STAFF_ROLES = frozenset({"owner", "admin", "staff", "kol"})

# Question words that make a question wherever they stand (A-not-A forms and wh-words).
QUESTION_WORDS = (
    "什么时候",
    "啥时候",
    "有没有",
    "能不能",
    "可不可以",
    "可以不可以",
    "是不是",
    "要不要",
    "会不会",
    "好不好",
    "行不行",
    "对不对",
    "怎么",
    "怎样",
    "咋",
    "为什么",
    "为啥",
    "多少",
    "多久",
    "多大",
    "多长",
    "几点",
    "几号",
    "几时",
    "哪里",
    "哪儿",
    "哪个",
    "哪些",
    "哪天",
    "在哪",
    "请问",
    "求问",
    "谁知道",
    "有谁",
    "什么",
    "啥",
)
# Set phrases in which those words do not ask anything.
NOT_QUESTIONS = (
    "不管怎么",
    "无论怎么",
    "怎么也",
    "怎么都",
    "不怎么",
    "怎么说呢",
    "多多少少",
    "多少有点",
    "多少有些",
    "多少也",
    "没什么",
    "没啥",
    "什么都",
    "啥都",
    "什么的",
    "不知道为什么",
    "不知为什么",
    "吗啡",
    "干什么都",
    "说什么也",
    "有什么说什么",
    "哪里哪里",
    "哪儿都",
    "哪里都",
    "哪个都",
    "谁知道呢",
)
NOT_RE = re.compile("|".join(map(re.escape, NOT_QUESTIONS)))
WORD_RE = re.compile("|".join(map(re.escape, sorted(QUESTION_WORDS, key=len, reverse=True))))
# Anything that could make a question; most chat lines have none and are skipped at once.
TRIGGER = re.compile("[?？吗么嘛呢]|" + WORD_RE.pattern)
# Message types a question can be asked in (not images, stickers, system lines).
ASKING_TYPES = ("text", "other")
# Verbs that embed a question word in a statement: 讲葡萄怎么挑, 下期问问能不能拆.
EMBEDDING = ("问问", "讲", "教你", "教大家", "告诉", "分享", "学会", "介绍", "看看", "演示")
# A final particle asks a question only at the end of a clause (吗 / 么 / 呢 in 你呢).
FINAL_PARTICLE = re.compile(r"(吗|么|嘛|呢)[\s。.!！~～…]*$")
CLAUSE = re.compile(r"[，,。.!！；;\n]")
MARKUP = re.compile(r"\[[^\]]{1,8}\]|@\S+")
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")
# Echoes and acknowledgements that contain a question word but ask nothing themselves.
ECHOES = frozenset({"同问", "同问+1", "我也想问", "+1", "求", "什么", "啥", "啥？"})


def _clean(text: str) -> str:
    text = MARKUP.sub("", text)
    text = EMOJI.sub("", text)
    return text.strip()


def is_question(text: str | None) -> bool:
    """Tell whether a chat message asks a question."""
    if not text or not TRIGGER.search(text):
        return False
    clean = _clean(text)
    if not clean or clean in ECHOES or clean.startswith(("【", "[")):
        # Empty, an echo, or a bracketed announcement (【今日话题】…) posted to all.
        return False
    if re.search(r"[?？]", clean):
        return True
    for clause in CLAUSE.split(clean):
        masked = NOT_RE.sub("　", clause.strip()).strip("　 ")
        if not masked:
            continue
        particle = FINAL_PARTICLE.search(masked) and not masked.endswith(("那么", "这么", "什么"))
        if particle and masked not in ("好嘛", "是嘛", "对嘛", "就是嘛"):
            return True
        if any(_asks(masked, hit.group()) for hit in WORD_RE.finditer(masked)):
            return True
    return False


def _asks(clause: str, word: str) -> bool:
    """Tell whether a question word asks in this clause (not 坏多少退多少, not 讲怎么挑)."""
    at = clause.find(word)
    if at < 0:
        return False
    if clause.count(word) > 1:
        return False  # a correlative: 坏多少退多少, 有什么说什么
    return not any(verb in clause[:at] for verb in EMBEDDING)


@dataclass(frozen=True)
class ChatMessage:
    """What the answer finder needs of a message."""

    id: str
    ts: datetime
    person: str | None
    text: str | None = None
    reply_to: str | None = None
    mentions: tuple[str, ...] = ()
    msg_type: str = "text"


@dataclass(frozen=True)
class AnswerRules:
    """How answers are found, and the service level a community promises."""

    staff_roles: frozenset[str] = STAFF_ROLES
    follow_window_seconds: int = 300  # a staff message within 5 minutes answers
    mention_window_seconds: int = 24 * 3600  # a staff @asker within a day answers
    sla_seconds: int = 1800  # answer within 30 working minutes
    work_start: time = time(9, 0)
    work_end: time = time(21, 0)


@dataclass(frozen=True)
class Question:
    """A question and its first staff answer (None when unanswered)."""

    message: ChatMessage
    answer: ChatMessage | None
    how: str | None  # reply / mention / follow

    @property
    def seconds(self) -> float | None:
        """Time to first answer in seconds, or None."""
        if self.answer is None:
            return None
        return (self.answer.ts - self.message.ts).total_seconds()


def _follows(msg: ChatMessage) -> bool:
    """Tell whether a staff message may answer whatever was just asked (not aimed elsewhere)."""
    text = (msg.text or "").lstrip()
    return msg.reply_to is None and not msg.mentions and not text.startswith("【")


class QuestionFinder:
    """Finds questions and first staff answers in one community's messages, fed in time order.

    Feeding several communities' finders from one pass over the log reads the store once,
    where one query per community read every page of it again (rows of all communities
    share pages).
    """

    def __init__(self, staff: set[str] | frozenset[str], rules: AnswerRules) -> None:
        self.staff = staff
        self._asked: list[ChatMessage] = []
        self._answers: dict[int, tuple[ChatMessage, str]] = {}
        self._by_id: dict[str, int] = {}
        self._by_asker: dict[str, list[int]] = {}
        self._recent: deque[int] = deque()
        self._follow = timedelta(seconds=rules.follow_window_seconds)
        self._mention = timedelta(seconds=rules.mention_window_seconds)

    def _answer(self, i: int, msg: ChatMessage, how: str) -> None:
        if i not in self._answers:
            self._answers[i] = (msg, how)

    def feed(self, msg: ChatMessage) -> None:
        """Take the next message (none earlier than the one before)."""
        asked, recent = self._asked, self._recent
        if msg.person in self.staff:
            if msg.msg_type == "system":
                return
            if msg.reply_to is not None and msg.reply_to in self._by_id:
                self._answer(self._by_id[msg.reply_to], msg, "reply")
            for person in msg.mentions:
                for i in self._by_asker.pop(person, []):
                    if msg.ts - asked[i].ts <= self._mention:
                        self._answer(i, msg, "mention")
            while recent and msg.ts - asked[recent[0]].ts > self._follow:
                recent.popleft()
            if _follows(msg):
                for i in recent:
                    self._answer(i, msg, "follow")
                recent.clear()
            return
        if msg.msg_type in ASKING_TYPES and msg.person is not None and is_question(msg.text):
            index = len(asked)
            asked.append(msg)
            self._by_id[msg.id] = index
            self._by_asker.setdefault(msg.person, []).append(index)
            recent.append(index)

    def questions(self) -> list[Question]:
        """The questions fed so far, in the order asked, each with its first answer or none."""
        out: list[Question] = []
        for i, q in enumerate(self._asked):
            found = self._answers.get(i)
            out.append(Question(q, found[0], found[1]) if found else Question(q, None, None))
        return out


def find_questions(
    messages: Iterable[ChatMessage], staff: set[str] | frozenset[str], rules: AnswerRules
) -> list[Question]:
    """Find the questions non-staff asked in a time-ordered stream, with first staff answers."""
    finder = QuestionFinder(staff, rules)
    for msg in messages:
        finder.feed(msg)
    return finder.questions()


def working_seconds(start: datetime, end: datetime, rules: AnswerRules) -> float:
    """Seconds between two aware times that fall within working hours (local to `start`)."""
    if end <= start:
        return 0.0
    total = 0.0
    day = start.date()
    tz = start.tzinfo
    while True:
        opens = datetime.combine(day, rules.work_start, tz)
        closes = datetime.combine(day, rules.work_end, tz)
        lo, hi = max(start, opens), min(end, closes)
        if hi > lo:
            total += (hi - lo).total_seconds()
        if closes >= end:
            break
        day += timedelta(days=1)
    return total


def percentile(values: Iterable[float], share: float) -> float | None:
    """Return the `share` percentile (nearest rank) of `values`, or None when empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    index = max(0, min(len(ordered) - 1, int(-(-share * len(ordered) // 1)) - 1))
    return ordered[index]
