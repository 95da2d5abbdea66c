"""Console operators: create them, check their passwords, log them in and out."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quanzi.domain.vocab import OPERATOR_ROLES
from quanzi.errors import AuthError, Conflict, InvalidInput
from quanzi.services.audit import audit
from quanzi.store import models as m
from quanzi.store.db import reading, transaction
from quanzi.store.models import utcnow

MIN_PASSWORD_LENGTH = 8
# A cap keeps a megabyte "password" from costing a megabyte of hashing per attempt.
MAX_PASSWORD_LENGTH = 1024
# No whitespace and no colon: HTTP Basic separates user and password with the first colon.
USERNAME = re.compile(r"^[^\s:]{1,100}$")
# scrypt cost: about 16 MiB and tens of milliseconds per hash on a small server.
SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_DKLEN = 2**14, 8, 1, 32
SCRYPT_MAXMEM = 64 * 1024 * 1024
WRONG_LOGIN = "用户名或密码错误"


@dataclass(frozen=True)
class DemoLogin:
    """The login `quanzi demo` prints: an admin operator and its plain password."""

    username: str
    password: str
    created: bool


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    """Hash with scrypt and a random salt into `scrypt$N$r$p$salt$hash` (parameters kept)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        dklen=SCRYPT_DKLEN,
        maxmem=SCRYPT_MAXMEM,
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Tell whether `password` matches a stored hash, comparing in constant time."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=SCRYPT_MAXMEM,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Checking a password against this for unknown users keeps response times alike,
    # so timing does not reveal which usernames exist.
    return hash_password(secrets.token_urlsafe(16))


def _check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"密码不能超过 {MAX_PASSWORD_LENGTH} 个字符")


def _clean_username(username: str) -> str:
    username = username.strip() if isinstance(username, str) else ""
    if not USERNAME.match(username):
        raise InvalidInput("用户名应为 1–100 个字符，不能含空格或冒号")
    return username


def add_operator(
    engine: Engine, username: str, password: str, role: str, *, actor: str = "system"
) -> m.Operator:
    """Create a console login with a role of vocab.OPERATOR_ROLES."""
    username = _clean_username(username)
    if role not in OPERATOR_ROLES:
        raise InvalidInput(f"角色 {role!r} 无效，应为：{'、'.join(OPERATOR_ROLES)}")
    _check_password_rules(password)
    password_hash = hash_password(password)
    try:
        with transaction(engine) as session:
            if session.scalar(select(m.Operator.id).where(m.Operator.username == username)):
                raise Conflict(f"用户名 {username} 已存在")
            operator = m.Operator(
                username=username,
                password_hash=password_hash,
                role=role,
                active=True,
                created_at=utcnow(),
            )
            session.add(operator)
            audit(session, actor, "operator.add", f"operator:{username}", role=role)
    except IntegrityError:
        # A concurrent add of the same name won the race after our check.
        raise Conflict(f"用户名 {username} 已存在") from None
    return operator


def _find(session: Session, username: str) -> m.Operator | None:
    return session.scalars(select(m.Operator).where(m.Operator.username == username)).first()


def _check(operator: m.Operator | None, password: str) -> bool:
    """Run exactly one password check whatever the case, so timing says nothing."""
    if operator is None or len(password) > MAX_PASSWORD_LENGTH:
        verify_password(password[:MAX_PASSWORD_LENGTH], _dummy_hash())
        return False
    return verify_password(password, operator.password_hash) and operator.active


def authenticate(engine: Engine, username: str, password: str) -> m.Operator:
    """Return the active operator with these credentials, or raise AuthError."""
    with reading(engine) as session:
        operator = _find(session, username)
        ok = _check(operator, password)
    if not ok or operator is None:
        raise AuthError(WRONG_LOGIN)
    return operator


def log_in(engine: Engine, username: str, password: str) -> m.Operator:
    """Authenticate a console login and record the attempt in the audit log."""
    with transaction(engine) as session:
        operator = _find(session, username)
        ok = _check(operator, password)
        action = "operator.login" if ok else "operator.login_failed"
        audit(session, username, action, f"operator:{username}")
    if not ok or operator is None:
        raise AuthError(WRONG_LOGIN)
    return operator


def log_out(engine: Engine, username: str) -> None:
    """Record a console logout in the audit log."""
    with transaction(engine) as session:
        audit(session, username, "operator.logout", f"operator:{username}")


def get_operator(engine: Engine, operator_id: int) -> m.Operator | None:
    """Return the active operator with this id, or None (deleted or deactivated)."""
    with reading(engine) as session:
        operator = session.get(m.Operator, operator_id)
        return operator if operator is not None and operator.active else None


def ensure_demo_operator(
    engine: Engine, username: str = "admin", password: str | None = None
) -> DemoLogin:
    """Create or reset an admin login for `quanzi demo`; a random password when none given."""
    username = _clean_username(username)
    password = password or secrets.token_urlsafe(9)
    _check_password_rules(password)
    password_hash = hash_password(password)
    with transaction(engine) as session:
        operator = _find(session, username)
        created = operator is None
        if operator is None:
            operator = m.Operator(username=username, created_at=utcnow())
            session.add(operator)
        operator.password_hash = password_hash
        operator.role = "admin"
        operator.active = True
        action = "operator.add" if created else "operator.reset"
        audit(session, "quanzi demo", action, f"operator:{username}", role="admin")
    return DemoLogin(username=username, password=password, created=created)
