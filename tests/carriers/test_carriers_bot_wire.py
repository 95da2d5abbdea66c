"""End to end: `quanzi bot` in a subprocess, a fake NapCat over reverse WebSocket on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

websockets = pytest.importorskip("websockets")
pytest.importorskip("nonebot")

PAYLOADS = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "carriers" / "onebot.json").read_text("utf-8")
)
ADS = ("ad_message_1", "ad_message_2")  # the same ad twice: warned, then recalled
HEADERS = {"Authorization": "Bearer s3cret", "X-Self-ID": "10001", "X-Client-Role": "Universal"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def play_napcat(url: str) -> list[dict[str, Any]]:
    """Connect like NapCat, push a join request and a member increase, answer every action."""
    actions: list[dict[str, Any]] = []
    async with websockets.connect(url, additional_headers=HEADERS) as ws:
        for name in ("join_request", "group_increase", "group_message", *ADS):
            await ws.send(json.dumps(PAYLOADS[name], ensure_ascii=False))
        try:
            while True:
                action = json.loads(await asyncio.wait_for(ws.recv(), 5))
                actions.append(action)
                await ws.send(
                    json.dumps(
                        {
                            "status": "ok",
                            "retcode": 0,
                            "data": {"message_id": 7},
                            "echo": action["echo"],
                        }
                    )
                )
        except TimeoutError:
            pass
    return actions


def test_napcat_over_reverse_websocket(db_url: str) -> None:
    port = free_port()
    env = {**os.environ, "QUANZI_ONEBOT_TOKEN": "s3cret"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "quanzi",
            "bot",
            "--db",
            db_url,
            "--port",
            str(port),
            "--group",
            "123456789=fruit-qq",
            "--superuser",
            "90001",
            "--no-organ-posts",  # the calendar must not post into this exchange at 21:00
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(1200):  # wait (up to a minute on a loaded machine) until it listens
            assert server.poll() is None, "quanzi bot exited early"
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        actions = asyncio.run(play_napcat(f"ws://127.0.0.1:{port}/onebot/v11/ws"))
        names = [a["action"] for a in actions]
        # The welcome after group_increase, then a warning for each ad.
        assert names.count("send_group_msg") == 3
        # NoneBot handles events concurrently, so either copy may be the one that is recalled.
        [recall] = [a["params"] for a in actions if a["action"] == "delete_msg"]
        assert recall["message_id"] in (2001, 2002)
        assert names.count("set_group_add_request") + names.count("send_private_msg") == 1
        with pytest.raises(websockets.exceptions.InvalidStatus):
            asyncio.run(
                websockets.connect(
                    f"ws://127.0.0.1:{port}/onebot/v11/ws",
                    additional_headers={**HEADERS, "Authorization": "Bearer wrong"},
                ).__aenter__()
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
