"""The README's configuration table names every variable the code reads."""

from pathlib import Path

import pytest

from devstack.settings import SERVICE_SETTINGS, StackSettings
from shared.settings import Settings

README = (Path(__file__).parents[2] / "README.md").read_text()
ALL_SETTINGS = (Settings, StackSettings, *SERVICE_SETTINGS.values())
VARIABLES = sorted(
    {info.alias for model in ALL_SETTINGS for info in model.model_fields.values() if info.alias}
)


@pytest.mark.parametrize("variable", VARIABLES)
def test_the_readme_documents(variable: str) -> None:
    assert f"`{variable}`" in README
