"""The console: login with CSRF, sessions, roles, the overview page, the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from quanzi.services.ingest import ingest_objects
from quanzi.store import models as m
from quanzi.store.db import reading, transaction
from quanzi.web.console.render import NAV

Account = Any
# Areas not built yet are listed in the nav, disabled, with a 即将上线 badge.
AREAS = [item.title for item in NAV if item.href is None]


def actions(engine: Engine) -> list[str]:
    with reading(engine) as session:
        return list(session.scalars(select(m.AuditLog.action).order_by(m.AuditLog.id)))


def test_pages_need_a_login(client: TestClient, accounts: dict[str, Account]) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/"
    # HTTP Basic is for the API; the console wants a session.
    response = client.get("/", auth=accounts["admin"].basic, follow_redirects=False)
    assert response.status_code == 303
    response = client.get("/overview/live", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")


def test_login_form_rejects_a_missing_or_forged_csrf_token(
    client: TestClient, accounts: dict[str, Account], token_of: Callable, engine: Engine
) -> None:
    token = token_of(client.get("/login").text)
    form = {"username": "ops", "password": accounts["ops"].password}
    for sent in ({}, {"csrf_token": "forged"}):
        response = client.post("/login", data={**form, **sent}, follow_redirects=False)
        assert response.status_code == 403
        assert "页面已过期" in response.text and "Traceback" not in response.text
    assert client.get("/", follow_redirects=False).status_code == 303  # still logged out
    response = client.post("/login", data={**form, "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert actions(engine)[-1] == "operator.login"


def test_wrong_password_shows_the_form_again(
    client: TestClient, accounts: dict[str, Account], token_of: Callable, engine: Engine
) -> None:
    token = token_of(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "ops", "password": "nope-nope", "csrf_token": token}
    )
    assert response.status_code == 200
    assert "用户名或密码错误" in response.text and 'value="ops"' in response.text
    assert client.get("/", follow_redirects=False).status_code == 303
    assert actions(engine)[-1] == "operator.login_failed"


def test_login_goes_back_to_next_but_never_off_site(
    client: TestClient, accounts: dict[str, Account], token_of: Callable
) -> None:
    page = client.get("/login", params={"next": "//evil.example/"})
    assert 'name="next" value="/"' in page.text
    form = {"username": "ops", "password": accounts["ops"].password}
    form["csrf_token"] = token_of(page.text)
    for target, expected in [("https://evil.example/", "/"), ("/overview/live", "/overview/live")]:
        client.cookies.clear()
        form["csrf_token"] = token_of(client.get("/login").text)
        response = client.post("/login", data={**form, "next": target}, follow_redirects=False)
        assert response.headers["location"] == expected


def test_overview_page(
    client: TestClient,
    accounts: dict[str, Account],
    engine: Engine,
    hand_made: list[dict],
    login: Callable,
) -> None:
    ingest_objects(engine, hand_made)
    login(client, accounts["viewer"])  # reading needs no more than viewer
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert "免费体验群" in html and "百元会员群" in html
    assert "QQ 群" in html and "过滤人" in html and "路由群" in html and "¥100" in html
    assert 'id="chart-flow"' in html and 'id="overview-data"' in html
    assert "/static/vendor/echarts.min.js" in html and "https://" not in html
    for area in AREAS:
        assert area in html
    assert html.count("即将上线</span>") == len(AREAS)
    assert html.count('class="nav-item is-disabled"') == len(AREAS)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "<script>" not in html  # no inline scripts, as the policy demands
    live = client.get("/overview/live", headers={"HX-Request": "true"})
    assert live.status_code == 200 and live.text.lstrip().startswith('<div id="live"')


def test_empty_overview_says_how_to_add_data(
    client: TestClient, accounts: dict[str, Account], login: Callable
) -> None:
    login(client, accounts["admin"])
    html = client.get("/").text
    assert "还没有数据" in html and "quanzi ingest" in html


def test_logout_needs_the_csrf_token(
    client: TestClient, accounts: dict[str, Account], engine: Engine, login: Callable
) -> None:
    token = login(client, accounts["ops"])
    response = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still in
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303
    assert actions(engine)[-2:] == ["operator.login", "operator.logout"]


def test_a_deactivated_operator_loses_the_session(
    client: TestClient, accounts: dict[str, Account], engine: Engine, login: Callable
) -> None:
    login(client, accounts["ops"])
    with transaction(engine) as session:
        session.execute(update(m.Operator).where(m.Operator.username == "ops").values(active=False))
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_session_cookie_flags(client: TestClient, accounts: dict[str, Account]) -> None:
    response = client.get("/login")
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("quanzi_session=")
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_unknown_console_page_is_a_chinese_404(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "找不到这个页面" in response.text and "text/html" in response.headers["content-type"]
