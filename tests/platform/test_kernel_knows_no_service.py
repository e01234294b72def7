"""The kernel (``shared/``) names no service: import-linter keeps it from importing one, and
this keeps it from naming one (a setting, a default, a URL, a branch on a name).

``shared/contracts`` is left out on purpose: it is the published language between the
services, and an event type or topic names the stream it comes from by design
(``alliance.bookings.booking.confirmed.v1`` on ``bookings.events.v1``).
"""

import re
from pathlib import Path

from devstack.settings import SERVICES

KERNEL = Path(__file__).parents[2] / "shared"
CONTRACTS = KERNEL / "contracts"
NAMES = re.compile(rf"\b({'|'.join(SERVICES)})\b", re.IGNORECASE)


def naming_a_service(root: Path, skip: Path | None = None) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix == ".pyc" or (skip and skip in path.parents):
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if NAMES.search(line):
                found.append(f"{path.relative_to(KERNEL.parent)}:{number}: {line.strip()}")
    return found


def test_no_kernel_file_outside_the_contracts_names_a_service() -> None:
    assert naming_a_service(KERNEL, skip=CONTRACTS) == []


def test_the_check_sees_the_names_where_they_belong() -> None:
    assert naming_a_service(CONTRACTS)
