"""What the NoneBug tests of the bot share: real OneBot v11 payloads and a declared group."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from quanzi.services.ingest import ingest_objects

pytest.importorskip("nonebug")
from nonebot.adapters.onebot.v11 import Adapter, Bot

PAYLOADS = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "carriers" / "onebot.json").read_text("utf-8")
)
GROUP = 123456789
HERE = {"community": "fruit-qq"}
TITLE = "【QQ团】阳光玫瑰葡萄 ¥79/箱 今晚22:00截单"


def event(name: str, **changes: Any) -> Any:
    """A fixture payload (optionally changed), parsed by the adapter's own wire parser."""
    payload = copy.deepcopy(PAYLOADS[name])
    payload.update(changes)
    return Adapter.json_to_event(payload)


def said(text: str, *, message_id: int, at: int, user: int = 20008, role: str = "member") -> Any:
    """A group message with `text`, sent by `user` at second `at` (from the real payload)."""
    sender = {**PAYLOADS["ad_message_1"]["sender"], "user_id": user, "role": role}
    return event("ad_message_1", message=[{"type": "text", "data": {"text": text}}],
                 raw_message=text, message_id=message_id, time=at, user_id=user,
                 sender=sender)  # fmt: skip


def declare(engine: Engine, *events: dict[str, Any]) -> None:
    """Declare the QQ group's community (and any other events) through the ingest service."""
    community = {"id": "c", "ts": "2025-01-01T08:00:00+08:00", "kind": "community",
                 "name": "果园QQ群", "model": "router", "carrier": "qq", **HERE}  # fmt: skip
    report = ingest_objects(engine, [community, *events])
    assert not report.rejected


def bot_of(ctx: Any) -> Bot:
    return ctx.create_bot(base=Bot, adapter=ctx.create_adapter(base=Adapter), self_id="10001")
