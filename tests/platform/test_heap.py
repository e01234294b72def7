import json
import subprocess
import sys

import pytest

from shared.serve import YOUNG_GENERATION

PROBE = """
import gc, json
from shared.serve import settle_the_heap
before = gc.get_freeze_count()
settle_the_heap()
print(json.dumps([before, gc.get_freeze_count(), gc.get_threshold()[0]]))
"""


def test_a_service_freezes_what_it_imported_and_collects_the_young_less_often() -> None:
    # in a process of its own: freezing is for the life of the process
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    before, frozen, young = json.loads(out)
    assert before == 0
    assert frozen > 10_000  # the imported libraries' objects
    assert young == YOUNG_GENERATION > 700


@pytest.mark.parametrize("service", ["bookings", "finance"])
def test_the_pdf_library_loads_only_when_a_pdf_is_made(service: str) -> None:
    probe = (
        f"import sys, services.{service}.app; "
        "print('fpdf' in sys.modules, 'fontTools' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert out.split() == ["False", "False"]  # ~20-45 MB resident that a service rarely needs
