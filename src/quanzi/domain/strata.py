"""Intent strata (003): strong, intent, weak — set from where a person came, raised by deeds."""

from __future__ import annotations

from dataclasses import dataclass

ORDER = {"weak": 0, "intent": 1, "strong": 2}
# Seed 003: the official account (private domain) brings fans; a new-media post brings the
# interested; posters and friends' pulls bring the weakly interested. Stepping up a paid
# rung or meeting offline shows intent as well.
BY_SOURCE = {
    "official_account": "strong",
    "ladder": "strong",
    "new_media": "intent",
    "offline": "intent",
    "fission_poster": "weak",
    "friend": "weak",
}


def from_source(source: str | None) -> str | None:
    """Return the stratum a join source puts a person in (None when the source says nothing)."""
    return BY_SOURCE.get(source or "")


def raised(current: str | None, evidence: str) -> str | None:
    """Return the stratum after behaviour: a purchase makes strong, taking part makes intent."""
    floor = {"purchase": "strong", "attend": "intent", "message": None}.get(evidence)
    if floor is None:
        return current
    if current is None or ORDER[floor] > ORDER[current]:
        return floor
    return current


@dataclass(frozen=True, slots=True)
class Playbook:
    """How to treat a stratum: the welcome to send and the operators' follow-up tasks."""

    stratum: str
    label: str
    welcome: str
    tasks: tuple[str, ...]
    never: str


PLAYBOOKS = {
    "strong": Playbook(
        "strong",
        "强意向",
        "欢迎 {name}！你是{brand}的老朋友了，直接说重点：{product}本周粉丝专享 8 折，"
        "群公告里有下单方式，有问题随时@我。",
        (
            "入群当天发送粉丝专享优惠（8 折）",
            "3 天内私聊确认是否需要帮忙下单",
            "首单后邀请加入会员群（下一级阶梯）",
        ),
        "不要绕弯子卖关子：已经是粉丝，直接讲产品。",
    ),
    "intent": Playbook(
        "intent",
        "意向",
        "欢迎 {name}！这里每天有话题和干货分享，关于{product}的问题尽管问，"
        "我们会认真、专业地回答。",
        (
            "24 小时内回答其提问，详细、专业",
            "每天设置一个群话题，邀请其参与",
            "本周请 KOL 分享一次干货，不定时发红包/福利",
        ),
        "不要一进群就打广告：先建立信任。",
    ),
    "weak": Playbook(
        "weak",
        "弱意向",
        "欢迎 {name}～先看看群公告，每天有话题和小福利，慢慢了解我们就好。",
        (
            "先看入群审核结果，可疑账号复核",
            "两周内以内容和活动培养，不推销",
            "有互动后再介绍产品，转为意向用户",
        ),
        "不要拉群刷广告，也不要安排销售私聊硬推。",
    ),
}


def welcome(stratum: str, name: str, brand: str = "我们", product: str = "新品") -> str:
    """Render a stratum's welcome for one person."""
    return PLAYBOOKS[stratum].welcome.format(name=name, brand=brand, product=product)
