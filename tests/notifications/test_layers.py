"""The dependency rule inside the service: domain is pure; use cases know no HTTP, no page and
no adapter; only app.py wires the parts together."""

import ast
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[2] / "services" / "notifications"
IO = ("sqlalchemy", "fastapi", "starlette", "faststream", "aiokafka", "asyncpg", "httpx")
KERNEL_IO = ("shared.web", "shared.storage", "shared.messaging", "shared.runtime")
OURS = "services.notifications"

FORBIDDEN = {
    "domain": (*IO, *KERNEL_IO, "aiosmtplib", "jinja2", f"{OURS}.usecases", f"{OURS}.api",
               f"{OURS}.web", f"{OURS}.mail", f"{OURS}.repository", f"{OURS}.tables"),
    "usecases": ("fastapi", "starlette", "shared.web", "aiosmtplib", "jinja2", f"{OURS}.api",
                 f"{OURS}.web", f"{OURS}.mail", f"{OURS}.app"),
    "mail": ("fastapi", "starlette", "shared.web", f"{OURS}.usecases", f"{OURS}.api",
             f"{OURS}.web", f"{OURS}.app"),
}  # fmt: skip


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def breaks(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in prefixes)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_each_layer_imports_only_what_it_may(layer: str) -> None:
    files = sorted((SERVICE / layer).rglob("*.py"))
    assert files
    wrong = {
        f"{path.relative_to(SERVICE)}: {module}"
        for path in files
        for module in imports(path)
        if breaks(module, FORBIDDEN[layer])
    }
    assert not wrong


def names(path: Path) -> set[str]:
    return {
        alias.name
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_only_the_composition_root_wires_the_runtime_and_workers() -> None:
    wiring = {
        str(path.relative_to(SERVICE))
        for path in SERVICE.rglob("*.py")
        if {"ServiceRuntime", "Worker", "create_app"} & names(path)
    }
    assert wiring <= {"app.py", "demo.py"}  # demo.py is handed the runtime to load data
