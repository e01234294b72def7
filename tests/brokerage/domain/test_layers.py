"""The dependency rule, for brokerage: the domain imports no I/O; use cases import neither the
HTTP layer nor the web framework; the service imports no other service."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3] / "services" / "brokerage"
IO = (
    "sqlalchemy",
    "fastapi",
    "starlette",
    "faststream",
    "aiokafka",
    "asyncpg",
    "httpx",
    "shared.web",
    "shared.storage",
    "shared.messaging",
    "shared.runtime",
)
HTTP = (
    "fastapi",
    "starlette",
    "shared.web",
    "services.brokerage.api",
    "services.brokerage.web",
    "services.brokerage.app",
)
OTHER_SERVICES = ("services.bookings", "services.notifications")


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def offending(layer: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    bad: dict[str, list[str]] = {}
    for path in sorted((ROOT / layer).rglob("*.py") if layer else ROOT.rglob("*.py")):
        hits = [m for m in imports_of(path) if m.startswith(forbidden)]
        if hits:
            bad[str(path.relative_to(ROOT))] = sorted(hits)
    return bad


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [("domain", IO), ("usecases", HTTP), ("", OTHER_SERVICES)],
)
def test_the_layer_keeps_to_its_imports(layer: str, forbidden: tuple[str, ...]) -> None:
    assert list((ROOT / layer).rglob("*.py")), "the layer exists"
    assert offending(layer, forbidden) == {}
