"""The dependency rule inside the bookings service (import-linter will keep it after the merge):
the domain does no I/O, the use cases know no HTTP."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "services" / "bookings"

IO = ("sqlalchemy", "fastapi", "starlette", "faststream", "aiokafka", "asyncpg", "httpx")
KERNEL_IO = ("shared.web", "shared.storage", "shared.messaging", "shared.runtime")
HTTP = ("fastapi", "starlette", "shared.web", "services.bookings.api", "services.bookings.web")


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def matches(name: str, forbidden: tuple[str, ...]) -> bool:
    return any(name == f or name.startswith(f"{f}.") for f in forbidden)


def offending(layer: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    bad = {}
    for path in sorted((ROOT / layer).rglob("*.py")):
        hits = sorted(name for name in imports(path) if matches(name, forbidden))
        if hits:
            bad[path.name] = hits
    return bad


def test_the_domain_imports_no_io() -> None:
    assert offending("domain", IO + KERNEL_IO) == {}


def test_the_use_cases_know_no_http() -> None:
    assert offending("usecases", HTTP) == {}


def test_no_module_is_over_400_lines() -> None:
    lengths = {p.relative_to(ROOT): len(p.read_text().splitlines()) for p in ROOT.rglob("*.py")}
    assert {path: n for path, n in lengths.items() if n > 400} == {}
