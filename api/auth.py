"""Who is calling: `Authorization: Bearer <key>` for the API, an httponly cookie for the web desk."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from psycopg import AsyncConnection
from psycopg.rows import DictRow

from api.deps import connection
from copilot.errors import Forbidden, Unauthorized
from copilot.keys import DESK_ROLES, Principal, authenticate

COOKIE = "rdc_key"


def presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("the Authorization header must be 'Bearer <api key>'")
        return value.strip()
    return request.cookies.get(COOKIE)


async def optional_principal(
    request: Request, conn: Annotated[AsyncConnection[DictRow], Depends(connection)]
) -> Principal | None:
    key = presented_key(request)
    if key is None:
        return None
    return await authenticate(conn, key)


async def principal(
    request: Request, conn: Annotated[AsyncConnection[DictRow], Depends(connection)]
) -> Principal:
    key = presented_key(request)
    if key is None:
        raise Unauthorized("an API key is required: send 'Authorization: Bearer <key>'")
    found = await authenticate(conn, key)
    if found is None:
        raise Unauthorized("the API key is unknown or revoked")
    return found


async def desk_principal(who: Annotated[Principal, Depends(principal)]) -> Principal:
    """Someone who may work cases; QA keys read but do not act."""
    if who.role not in DESK_ROLES:
        raise Forbidden(f"role {who.role} may read cases but not act on them")
    return who


Caller = Annotated[Principal, Depends(principal)]
DeskCaller = Annotated[Principal, Depends(desk_principal)]
