"""The event loop the worker processes run on: uvloop where it is installed (uvicorn[standard] brings it, and
the service's uvicorn already picks it), else asyncio's own.

A triage case waits on its socket some 50 times (bench/profile_triage.py); with asyncio's pure-Python loop,
registering and unregistering those readers and the callbacks between them were a fifth of a worker's CPU."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:  # a platform without uvloop (Windows) runs on asyncio's loop
        return asyncio.run(main)
    return uvloop.run(main)
