"""Shared pieces of the browser tests: Debian's Chromium, flags, a live server."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from quanzi.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parents[1] / "test-artifacts"


def require_browser() -> None:
    """Skip without Chromium, unless CI says the browser test must run."""
    if CHROMIUM.exists():
        return
    if os.environ.get("QUANZI_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{CHROMIUM} is missing and QUANZI_REQUIRE_BROWSER=1")
    pytest.skip(f"{CHROMIUM} is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server_at(db_url: str) -> Iterator[str]:
    """The app under uvicorn in a background thread on a free localhost port."""
    port = free_port()
    config = uvicorn.Config(create_app(db_url), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@dataclass
class ConsoleSession:
    """A logged-in console tab, with what went wrong on it and every URL it asked for."""

    page: Any
    browser: Any
    problems: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)


@contextmanager
def console_session(
    live_server: str, path: str, username: str, *, height: int = 960, **options: Any
) -> Iterator[ConsoleSession]:
    """Chromium logged in as `username` (password browser-pass), at `path`; errors recorded."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(
                viewport={"width": 1440, "height": height}, locale="zh-CN", **options
            )
            session = ConsoleSession(page, browser)
            page.on("request", lambda request: session.requested.append(request.url))
            page.on("pageerror", lambda error: session.problems.append(f"page error: {error}"))
            page.on(
                "console",
                lambda msg: (
                    session.problems.append(f"console: {msg.text}") if msg.type == "error" else None
                ),
            )
            page.goto(f"{live_server}/login?next={path}")
            page.fill("#username", username)
            page.fill("#password", "browser-pass")
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server}{path}")
            yield session
        finally:
            browser.close()


CANVAS_INK = """(selector) => {
  const canvas = document.querySelector(selector);
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) inked++;
  return inked;
}"""
