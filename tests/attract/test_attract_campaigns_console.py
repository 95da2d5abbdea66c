"""The campaign editor, its ledger and 群活码 in the console, and the public join page."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from quanzi.services import attract_campaigns as service
from quanzi.services.ingest import ingest_objects
from quanzi.services.operators import add_operator
from quanzi.web.app import create_app
from quanzi.web.console.render import CONSOLE_CSP
from tests.attract.campaign_world import campaign_events, seeds
from tests.web.conftest import PASSWORDS, Account, form_token, log_in

FORM = {"key": "spring", "name": "春季老带新", "communities": ["g1", "g2"],
        "start": "2026-04-01T09:00", "end": "2026-04-05T13:00", "stay_hours": "48",
        "stages": "1:贴纸,2:优惠券,4:水果箱"}  # fmt: skip


@pytest.fixture
def ops(db_url: str, engine: Engine) -> TestClient:
    ingest_objects(engine, seeds())
    add_operator(engine, "ops", PASSWORDS["ops"], "operator")
    add_operator(engine, "viewer", PASSWORDS["viewer"], "viewer")
    client = TestClient(create_app(db_url), raise_server_exceptions=False)
    log_in(client, Account("ops", PASSWORDS["ops"]))
    return client


def _post(client: TestClient, path: str, data: Mapping[str, object], page: str) -> httpx.Response:
    return client.post(path, data={"csrf_token": form_token(page), **data},
                       follow_redirects=False)  # fmt: skip


def test_the_editor_stores_a_campaign_and_shows_its_ledger(ops: TestClient, engine: Engine) -> None:
    page = ops.get("/fission/campaigns").text
    assert "还没有登记活动" in page and 'id="campaign-editor"' in page
    response = _post(ops, "/fission/campaigns", FORM, page)
    assert response.status_code == 303
    assert response.headers["location"] == "/fission/campaigns/spring"
    assert 'id="invites">0<' in ops.get("/fission?campaign=spring").text  # cached now
    code, _ = service.issue_code(engine, "spring", "wx:b", actor="t")
    ingest_objects(engine, campaign_events(code))
    # New events make a new data version: the cached figures are not served again.
    overview = ops.get("/fission?campaign=spring").text
    assert 'id="invites">12<' in overview and 'id="valid">4<' in overview
    assert "奖励阶段：1 / 2 / 4 位有效好友" in overview
    detail = ops.get("/fission/campaigns/spring").text
    assert 'id="invites">12<' in detail and 'id="valid">4<' in detail
    assert detail.count('data-status="valid"') == 4
    assert "邀请不在活动时间内" in detail and "邀请进的社群不是活动的目标社群" in detail
    assert '<span class="tag tag-warn">水果箱</span>' in detail  # a's third stage taken back
    assert f"/j/spring?state={code}" in detail
    edited = _post(ops, "/fission/campaigns/spring", {**FORM, "stay_hours": "24"}, detail)
    assert edited.status_code == 303
    detail = ops.get("/fission/campaigns/spring").text
    assert 'id="stay">24<' in detail and 'id="valid">5<' in detail  # e's 26 h now count
    # An edit writes no event, only an audit row, and that too refreshes the cached page.
    assert 'id="valid">5<' in ops.get("/fission?campaign=spring").text
    assert "春季老带新" in ops.get("/fission/campaigns").text
    assert 'href="/fission/campaigns"' in ops.get("/fission").text


def test_bad_input_comes_back_in_chinese(ops: TestClient) -> None:
    page = ops.get("/fission/campaigns").text
    bad = _post(ops, "/fission/campaigns", {**FORM, "end": "2026-03-01"}, page)
    assert bad.status_code == 422
    assert "活动结束时间须晚于开始时间" in bad.text
    assert 'value="春季老带新"' in bad.text  # the form is kept
    bad = _post(ops, "/fission/campaigns", {**FORM, "stages": "三:券"}, page)
    assert "应写成 人数:奖励" in bad.text


def test_groups_codes_and_the_public_page(ops: TestClient, engine: Engine) -> None:
    page = ops.get("/fission/campaigns").text
    _post(ops, "/fission/campaigns", {**FORM, "end": "2030-12-31"}, page)
    detail = ops.get("/fission/campaigns/spring").text
    assert "没有可用的活动群" in detail
    added = _post(ops, "/fission/campaigns/spring/groups",
                  {"community": "g1", "link": "https://weixin.invalid/g1", "capacity": "3"},
                  detail)  # fmt: skip
    assert added.status_code == 303
    _post(ops, "/fission/campaigns/spring/codes", {"inviter": "wx:a"}, detail)
    detail = ops.get("/fission/campaigns/spring").text
    assert 'id="room">1<' in detail and 'data-code="low_room"' in detail
    code = service.issue_code(engine, "spring", "wx:a", actor="t")[0]
    assert f"<code>{code}</code>" in detail
    public = TestClient(ops.app, raise_server_exceptions=False)  # no login
    shown = public.get(f"/j/spring?state={code}")
    assert shown.status_code == 200 and shown.headers["content-security-policy"] == CONSOLE_CSP
    assert 'href="https://weixin.invalid/g1"' in shown.text and code in shown.text
    assert "xyz-not-a-code" not in public.get("/j/spring?state=xyz-not-a-code").text
    assert public.get("/j/nope").status_code == 404
    bad = _post(ops, "/fission/campaigns/spring/groups", {"community": "g1", "link": ""}, detail)
    assert "请填写入群链接" in bad.text
    _post(ops, "/fission/campaigns/spring/close", {}, detail)
    assert "活动已结束" in public.get("/j/spring").text


def test_public_page_says_the_groups_are_full(ops: TestClient, engine: Engine) -> None:
    page = ops.get("/fission/campaigns").text
    _post(ops, "/fission/campaigns", {**FORM, "end": "2030-12-31"}, page)
    service.add_group(engine, "spring", community="g1", link="二维码", capacity=2, actor="t")
    assert "活动群已满" in TestClient(ops.app).get("/j/spring").text


def test_viewers_read_but_cannot_write(ops: TestClient) -> None:
    viewer = TestClient(ops.app, raise_server_exceptions=False)
    log_in(viewer, Account("viewer", PASSWORDS["viewer"]))
    page = viewer.get("/fission/campaigns").text
    assert 'id="campaign-editor"' not in page
    assert _post(viewer, "/fission/campaigns", FORM, page).status_code == 403
    anonymous = TestClient(ops.app, raise_server_exceptions=False)
    assert anonymous.get("/fission/campaigns", follow_redirects=False).status_code == 303
    no_token = ops.post("/fission/campaigns", data=FORM, follow_redirects=False)
    assert no_token.status_code == 403
