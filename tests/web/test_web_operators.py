"""Operators: hashed passwords, roles, authentication, the demo login, the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, update

from quanzi.errors import AuthError, Conflict, InvalidInput
from quanzi.services import operators
from quanzi.store import models as m
from quanzi.store.db import reading, transaction


def audit(engine: Engine) -> list[tuple[str, str, str | None]]:
    with reading(engine) as session:
        rows = session.scalars(select(m.AuditLog).order_by(m.AuditLog.id))
        return [(r.actor, r.action, r.target) for r in rows]


def test_add_operator_stores_a_salted_scrypt_hash_and_audits(engine: Engine) -> None:
    operator = operators.add_operator(engine, "li", "secret-pass", "operator", actor="admin")
    assert (operator.username, operator.role, operator.active) == ("li", "operator", True)
    stored = operator.password_hash
    assert stored.startswith("scrypt$16384$8$1$") and "secret-pass" not in stored
    other = operators.add_operator(engine, "wang", "secret-pass", "viewer")
    assert other.password_hash != stored  # a fresh salt each time
    assert audit(engine) == [
        ("admin", "operator.add", "operator:li"),
        ("system", "operator.add", "operator:wang"),
    ]


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [
        ("li", "short", "operator", "至少需要 8 个字符"),
        ("li", "", "operator", "至少需要 8 个字符"),
        ("li", "long-enough", "boss", "角色"),
        ("li:x", "long-enough", "viewer", "冒号"),
        ("  ", "long-enough", "viewer", "用户名"),
    ],
)
def test_add_operator_rejects_bad_input(
    engine: Engine, username: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        operators.add_operator(engine, username, password, role)
    assert message in caught.value.message
    assert audit(engine) == []


def test_duplicate_username_is_a_conflict(engine: Engine) -> None:
    operators.add_operator(engine, "li", "secret-pass", "operator")
    with pytest.raises(Conflict):
        operators.add_operator(engine, "li", "other-pass", "viewer")
    assert len(audit(engine)) == 1  # the failed add left nothing behind


def test_authenticate(engine: Engine) -> None:
    operators.add_operator(engine, "li", "secret-pass", "viewer")
    assert operators.authenticate(engine, "li", "secret-pass").role == "viewer"
    for username, password in [("li", "secret-pasS"), ("nobody", "secret-pass"), ("li", "")]:
        with pytest.raises(AuthError) as caught:
            operators.authenticate(engine, username, password)
        assert caught.value.message == "用户名或密码错误"
        assert caught.value.http_status == 401


def test_a_deactivated_operator_cannot_log_in(engine: Engine) -> None:
    operators.add_operator(engine, "li", "secret-pass", "admin")
    with transaction(engine) as session:
        session.execute(update(m.Operator).values(active=False))
    with pytest.raises(AuthError):
        operators.authenticate(engine, "li", "secret-pass")


def test_verify_password_refuses_garbage_hashes() -> None:
    good = operators.hash_password("secret-pass")
    assert operators.verify_password("secret-pass", good)
    assert not operators.verify_password("secret-pass", good.replace("scrypt", "md5"))
    assert not operators.verify_password("secret-pass", "scrypt$x$y")
    assert not operators.verify_password("secret-pass", "")


def test_log_in_and_out_are_audited(engine: Engine) -> None:
    operators.add_operator(engine, "li", "secret-pass", "operator")
    operators.log_in(engine, "li", "secret-pass")
    with pytest.raises(AuthError):
        operators.log_in(engine, "li", "wrong-pass")
    operators.log_out(engine, "li")
    assert [action for _, action, _ in audit(engine)] == [
        "operator.add",
        "operator.login",
        "operator.login_failed",
        "operator.logout",
    ]


def test_demo_operator_is_created_then_reset(engine: Engine) -> None:
    first = operators.ensure_demo_operator(engine, password="first-pass")
    assert (first.username, first.password, first.created) == ("admin", "first-pass", True)
    assert operators.authenticate(engine, "admin", "first-pass").role == "admin"

    second = operators.ensure_demo_operator(engine)  # random password
    assert not second.created and len(second.password) >= 8
    assert second.password != "first-pass"
    assert operators.authenticate(engine, "admin", second.password).role == "admin"
    with pytest.raises(AuthError):
        operators.authenticate(engine, "admin", "first-pass")
    with reading(engine) as session:
        assert session.scalar(select(m.Operator.id).where(m.Operator.username == "admin"))
        assert len(session.scalars(select(m.Operator)).all()) == 1
    assert [action for _, action, _ in audit(engine)] == ["operator.add", "operator.reset"]


def test_demo_operator_reset_restores_admin_role(engine: Engine) -> None:
    operators.add_operator(engine, "admin", "viewer-pass", "viewer")
    with transaction(engine) as session:
        session.execute(update(m.Operator).values(active=False))
    operators.ensure_demo_operator(engine, password="demo-pass1")
    operator = operators.authenticate(engine, "admin", "demo-pass1")
    assert (operator.role, operator.active) == ("admin", True)
