"""What the console can tell about the QQ bot in this process: running, token, connected bots."""

from __future__ import annotations

import os
from typing import Any


def onebot_state() -> dict[str, Any]:
    """Say whether NoneBot runs here, whether an access token guards it, and who is connected."""
    try:
        import nonebot

        driver = nonebot.get_driver()
    except (ImportError, ValueError):  # no bot extra, or `quanzi serve` without the bot
        return {"running": False, "token": bool(os.environ.get("QUANZI_ONEBOT_TOKEN")),
                "bots": []}  # fmt: skip
    token = getattr(driver.config, "onebot_access_token", None)
    return {"running": True, "token": bool(token), "bots": sorted(nonebot.get_bots())}
