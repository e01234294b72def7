"""An ASGI app under a real uvicorn server on 127.0.0.1, for tests that need a real socket."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from devstack import free_port
from tests.support.wait import eventually


@asynccontextmanager
async def served(app: Any, port: int | None = None, **options: Any) -> AsyncIterator[str]:
    """``app`` served until the block ends; its base URL. ``options`` go to ``uvicorn.Config``."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, **{"log_level": "warning", **options})
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        if task.done():
            await task
            raise RuntimeError("uvicorn stopped before it started")
        return bool(server.started)

    try:
        await eventually(started, interval=0.02, message="uvicorn started")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
