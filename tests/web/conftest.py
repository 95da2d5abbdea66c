"""Fixtures for the web layer: an app on the test database, operators, hand-made events."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from quanzi.services.operators import add_operator
from quanzi.web.app import create_app

PASSWORDS = {"admin": "admin-pass-1", "ops": "ops-pass-12", "viewer": "viewer-pass"}


@dataclass(frozen=True)
class Account:
    username: str
    password: str

    @property
    def basic(self) -> tuple[str, str]:
        return (self.username, self.password)


@pytest.fixture
def app(db_url: str) -> FastAPI:
    return create_app(db_url)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    # Server errors must come back as responses, as a browser would see them.
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def accounts(engine: Engine) -> dict[str, Account]:
    roles = {"admin": "admin", "ops": "operator", "viewer": "viewer"}
    for name, role in roles.items():
        add_operator(engine, name, PASSWORDS[name], role)
    return {name: Account(name, PASSWORDS[name]) for name in roles}


def form_token(html: str) -> str:
    """Return the CSRF token of the first form on a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def log_in(client: TestClient, account: Account) -> str:
    """Log in through the form; return the session's CSRF token."""
    token = form_token(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": account.username, "password": account.password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return form_token(client.get("/").text)


@pytest.fixture
def login() -> Callable[[TestClient, Account], str]:
    """Log a test client in through the console form; returns the CSRF token."""
    return log_in


@pytest.fixture
def token_of() -> Callable[[str], str]:
    """Read the CSRF token of a page."""
    return form_token


def ev(event_id: str, ts: str, kind: str, community: str | None = None, **fields: Any) -> dict:
    event: dict[str, Any] = {"id": event_id, "ts": ts, "kind": kind, **fields}
    if community is not None:
        event["community"] = community
    return event


# Two communities; the newest event is 2026-03-31 12:00 (+08:00), which anchors "now":
# the last 7 days start after 03-24 12:00, the last 30 days after 03-01 12:00.
HAND_MADE = [
    ev(
        "c1",
        "2026-02-20T09:00:00+08:00",
        "community",
        "c-free",
        name="免费体验群",
        purpose="attract",
        model="seeding",
        type="product",
        carrier="qq",
        price=0,
        ladder="main",
        rank=0,
    ),
    ev(
        "c2",
        "2026-02-20T09:00:00+08:00",
        "community",
        "c-100",
        name="百元会员群",
        purpose="filter",
        model="router",
        type="product",
        carrier="wechat",
        price=100,
        ladder="main",
        rank=1,
    ),
    # Outside the 30-day window by two hours.
    ev("j1", "2026-03-01T10:00:00+08:00", "join", "c-free", person="qq:alice", name="爱丽丝"),
    # 03-10 23:30 UTC is 03-11 in Shanghai: the day series must say 03-11.
    ev("j2", "2026-03-11T07:30:00+08:00", "join", "c-free", person="qq:bob", name="鲍勃"),
    ev("j3", "2026-03-20T10:00:00+08:00", "join", "c-free", person="qq:carol"),
    ev("l1", "2026-03-25T10:00:00+08:00", "leave", "c-free", person="qq:carol", reason="leave"),
    ev("j4", "2026-03-28T10:00:00+08:00", "join", "c-100", person="qq:alice"),
    # Bob spoke before the 7-day window; Alice spoke inside it, twice in c-100.
    ev("m1", "2026-03-20T11:00:00+08:00", "message", "c-free", person="qq:bob", text="早"),
    ev("m2", "2026-03-30T09:00:00+08:00", "message", "c-free", person="qq:alice", text="好"),
    ev("m3", "2026-03-31T11:00:00+08:00", "message", "c-100", person="qq:alice", text="在吗"),
    ev("m4", "2026-03-31T12:00:00+08:00", "message", "c-100", person="qq:alice", text="到了"),
    ev(
        "p1",
        "2026-03-29T12:00:00+08:00",
        "purchase",
        "c-100",
        person="qq:alice",
        item="tier:c-100",
        amount=100,
    ),
]


@pytest.fixture
def hand_made() -> list[dict]:
    return [dict(e) for e in HAND_MADE]
