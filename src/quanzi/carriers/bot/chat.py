"""Group messages: recorded, moderated by the community's ladder, 接龙 captured into drops."""

from __future__ import annotations

from nonebot import on_message
from nonebot.adapters.onebot.v11 import Bot, GroupMessageEvent, MessageSegment

from quanzi.carriers.bot import mapping, service
from quanzi.carriers.bot.runtime import config, log, read, store, write
from quanzi.domain import filter_rules
from quanzi.domain.jielong import is_jielong
from quanzi.domain.moderation import ACTIONS, Decision, Moderator, message_from_raw
from quanzi.errors import QuanziError

# Each community's moderator remembers recent messages and strikes; it is rebuilt when the
# community's rules change (the strikes start again then, as after a restart).
_moderators: dict[str, tuple[tuple[str, str], Moderator]] = {}
messages = on_message(priority=10, block=False)


def forget() -> None:
    """Forget every community's recent messages and strikes (a fresh start, as on restart)."""
    _moderators.clear()


async def moderator_of(community: str) -> Moderator:
    """Return the community's moderator under its current rules."""
    texts = await read(service.rules_of, community)
    known = _moderators.get(community)
    if known is None or known[0] != texts:
        known = _moderators[community] = (texts, Moderator(filter_rules.load(*texts)))
    return known[1]


async def enforce(bot: Bot, event: GroupMessageEvent, decision: Decision) -> None:
    """Carry out a decision: recall, then mute or kick, and tell the member why."""
    why = "；".join(r.detail for r in decision.reasons)
    if decision.action in ("recall", "mute", "kick"):
        await bot.delete_msg(message_id=event.message_id)
    if decision.action == "mute":
        await bot.set_group_ban(
            group_id=event.group_id, user_id=event.user_id, duration=decision.mute_seconds
        )
    elif decision.action == "kick":
        await bot.set_group_kick(group_id=event.group_id, user_id=event.user_id)
    await bot.send_group_msg(
        group_id=event.group_id,
        message=MessageSegment.at(event.user_id)
        + MessageSegment.text(f" {ACTIONS[decision.action]}：{why}"),
    )


@messages.handle()
async def on_group_message(bot: Bot, event: GroupMessageEvent) -> None:
    """Record a group message, moderate it, and capture it when it is a 接龙."""
    raw = mapping.message_event(event, config.quanzi_bot_groups)
    if not await store(raw):
        return  # a repeat delivery: already moderated and captured the first time
    try:
        decision = (await moderator_of(raw["community"])).moderate(message_from_raw(raw))
    except Exception as exc:  # bad stored rules must not silence the group's record
        log.warning("message %s not moderated: %s", raw["id"], exc)
        decision = Decision("allow")
    if decision.action != "allow":
        await enforce(bot, event, decision)
        if decision.action != "warn":
            return  # a recalled message is no 接龙 line
    if not is_jielong(raw["text"]):
        return
    staff = raw.get("role") in ("owner", "admin")
    try:
        note = await write(service.capture_jielong, raw, staff)
    except QuanziError as exc:  # e.g. a drop opened twice by racing admins: the record stays
        log.warning("接龙 %s not captured: %s", raw["id"], exc.message)
        return
    if note and config.quanzi_bot_jielong_reply:
        await bot.send_group_msg(
            group_id=event.group_id,
            message=MessageSegment.reply(event.message_id) + MessageSegment.text(note),
        )
