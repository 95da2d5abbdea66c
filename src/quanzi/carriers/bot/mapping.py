"""OneBot v11 events to canonical events (pure: no database, no network)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from quanzi.carriers.importers.common import CHINA

ROLES = {"owner": "owner", "admin": "admin", "member": "member"}
SEGMENT_TYPES = {
    "image": "image",
    "face": "sticker",
    "mface": "sticker",
    "file": "file",
    "share": "link",
    "json": "link",
    "redbag": "red_packet",
}


def community_of(group_id: int, groups: dict[str, str]) -> str:
    """Return the community key of a QQ group: configured, else `qq-<group id>`."""
    return groups.get(str(group_id)) or f"qq-{group_id}"


def stamp(seconds: int) -> str:
    """Return the RFC 3339 time (China offset) of a OneBot `time`."""
    return datetime.fromtimestamp(seconds, UTC).astimezone(CHINA).isoformat()


def request_event(ev: Any, groups: dict[str, str]) -> dict[str, Any]:
    """Map a group join request (`request_type=group, sub_type=add`) to `join_request`."""
    raw: dict[str, Any] = {
        "id": f"qq:{ev.group_id}:request:{ev.flag}",
        "ts": stamp(ev.time),
        "kind": "join_request",
        "community": community_of(ev.group_id, groups),
        "person": f"qq:{ev.user_id}",
        "comment": ev.comment or "",
        "avatar": f"https://q1.qlogo.cn/g?b=qq&nk={ev.user_id}&s=640",
        "source": "other",
    }
    inviter = getattr(ev, "invitor_id", None)  # LLBot's go-cqhttp field
    if inviter:
        raw["inviter"] = f"qq:{inviter}"
    return raw


def increase_event(ev: Any, groups: dict[str, str]) -> dict[str, Any]:
    """Map `group_increase` (approve/invite) to `join`."""
    raw: dict[str, Any] = {
        "id": f"qq:{ev.group_id}:increase:{ev.user_id}:{ev.time}",
        "ts": stamp(ev.time),
        "kind": "join",
        "community": community_of(ev.group_id, groups),
        "person": f"qq:{ev.user_id}",
        "source": "friend" if ev.sub_type == "invite" else "other",
    }
    if ev.sub_type == "invite" and ev.operator_id and ev.operator_id != ev.user_id:
        raw["inviter"] = f"qq:{ev.operator_id}"
    return raw


def decrease_event(ev: Any, groups: dict[str, str]) -> dict[str, Any]:
    """Map `group_decrease` (leave/kick/kick_me) to `leave` with its reason."""
    return {
        "id": f"qq:{ev.group_id}:decrease:{ev.user_id}:{ev.time}",
        "ts": stamp(ev.time),
        "kind": "leave",
        "community": community_of(ev.group_id, groups),
        "person": f"qq:{ev.user_id}",
        "reason": "leave" if ev.sub_type == "leave" else "kick",
    }


def message_event(ev: Any, groups: dict[str, str]) -> dict[str, Any]:
    """Map a group message to `message`, with the sender's card (or nickname) and role."""
    sender = ev.sender
    types = [seg.type for seg in ev.message]
    kind = "text"
    for seg_type in types:
        if seg_type in SEGMENT_TYPES:
            kind = SEGMENT_TYPES[seg_type]
            break
    raw: dict[str, Any] = {
        "id": f"qq:{ev.group_id}:message:{ev.message_id}:{ev.time}",
        "ts": stamp(ev.time),
        "kind": "message",
        "community": community_of(ev.group_id, groups),
        "person": f"qq:{ev.user_id}",
        "name": (sender.card or sender.nickname or "") if sender else "",
        "text": ev.message.extract_plain_text(),
        "msg_type": kind,
        "role": ROLES.get(sender.role or "", "member") if sender else "member",
    }
    mentions = [
        f"qq:{seg.data['qq']}"
        for seg in ev.original_message
        if seg.type == "at" and str(seg.data.get("qq")).isdigit()
    ]
    if mentions:
        raw["mentions"] = mentions
    if not raw["name"]:
        del raw["name"]
    return raw
