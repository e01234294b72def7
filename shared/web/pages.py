"""The pages' shared look: one layout, one stylesheet and one script for every service.

A service builds its template environment with ``page_templates(its templates folder)``: its own
templates come first, and ``kernel/layout.html`` and ``kernel/macros.html`` come from here, so
each service's templates ``{% extends "kernel/layout.html" %}``. ``install_assets(app)`` serves
the stylesheet and the script at ``/static/alliance/``. Sign-in links, when they come, go in the
layout once.
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape

HERE = Path(__file__).resolve().parent
ASSETS = "/static/alliance"
KERNEL_TEMPLATES = FileSystemLoader(HERE / "templates" / "kernel")


def page_environment(directory: Path) -> Environment:
    """Jinja2 (autoescaped) over the service's ``directory``, then the kernel's ``kernel/``."""
    return Environment(
        loader=ChoiceLoader(
            [FileSystemLoader(directory), PrefixLoader({"kernel": KERNEL_TEMPLATES})]
        ),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def page_templates(directory: Path) -> Jinja2Templates:
    """The same environment for Starlette's ``TemplateResponse``."""
    return Jinja2Templates(env=page_environment(directory))


def install_assets(app: FastAPI) -> None:
    app.mount(ASSETS, StaticFiles(directory=HERE / "static"), name="alliance-assets")
