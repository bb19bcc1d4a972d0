"""API keys: random secrets shown once, stored as sha256 digests, each with one role."""

from __future__ import annotations

import hashlib
import secrets

import psycopg
from psycopg import AsyncConnection
from psycopg.rows import DictRow

from copilot.core.errors import InvalidInput
from copilot.core.models import Strict
from copilot.core.roles import KEY_ROLES, Role

KEY_PREFIX = "rdc_"


class Principal(Strict):
    key_id: int
    name: str
    role: Role


class CreatedKey(Strict):
    key_id: int
    name: str
    role: Role
    key: str


def hash_key(key: str) -> str:
    # A sha256 digest is enough: the keys are 32 random bytes, so there is nothing to brute-force.
    return hashlib.sha256(key.encode()).hexdigest()


def parse_role(value: str) -> Role:
    if value not in KEY_ROLES:
        raise InvalidInput(f"unknown role {value!r}; use one of {', '.join(r.value for r in KEY_ROLES)}")
    return Role(value)


def create_key(conn: psycopg.Connection[DictRow], name: str, role: Role) -> CreatedKey:
    if not name.strip():
        raise InvalidInput("a key needs a name")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = conn.execute(
        "INSERT INTO api_keys (name, role, key_hash) VALUES (%s, %s, %s) RETURNING id",
        (name.strip(), role.value, hash_key(key)),
    ).fetchone()
    assert row is not None
    key_id = row["id"] if isinstance(row, dict) else row[0]
    return CreatedKey(key_id=key_id, name=name.strip(), role=role, key=key)


def revoke_key(conn: psycopg.Connection[DictRow], key_id: int) -> bool:
    cur = conn.execute(
        "UPDATE api_keys SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL", (key_id,)
    )
    return cur.rowcount == 1


def list_keys(conn: psycopg.Connection[DictRow]) -> list[dict[str, object]]:
    cur = conn.execute(
        "SELECT id, name, role, created_at, revoked_at FROM api_keys ORDER BY id"
    )
    rows = cur.fetchall()
    cols = [c.name for c in cur.description or ()]
    return [r if isinstance(r, dict) else dict(zip(cols, r, strict=True)) for r in rows]


async def authenticate(conn: AsyncConnection[DictRow], key: str) -> Principal | None:
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    cur = await conn.execute(
        "SELECT id AS key_id, name, role FROM api_keys WHERE key_hash = %s AND revoked_at IS NULL",
        (hash_key(key),),
    )
    row = await cur.fetchone()
    return Principal.model_validate(row) if row else None
