"""Who is calling: `Authorization: Bearer <key>` for the API, an httponly cookie for the web desk."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from psycopg import AsyncConnection
from psycopg.rows import DictRow

from api.deps import connection
from copilot.core.errors import Forbidden, Unauthorized
from copilot.core.keys import Principal, authenticate
from copilot.core.roles import DESK_ROLES

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


def require_signed_in(who: Principal | None, request: Request) -> Principal:
    """The desk page's caller; without one, a 303 sends the browser to sign in and back here afterwards."""
    if who is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(status_code=303, detail="sign in first",
                            headers={"Location": f"/desk/login?next={quote(here)}"})
    return who


Caller = Annotated[Principal, Depends(principal)]
DeskCaller = Annotated[Principal, Depends(desk_principal)]
