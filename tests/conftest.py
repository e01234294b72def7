import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.stack import Stack, start_stack, stop_stack


@pytest.fixture(scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    root = Path(tmp_path_factory.mktemp("stack"))
    os.chmod(root, 0o755)
    running = await start_stack(root)
    try:
        yield running
    finally:
        await stop_stack(running)
