"""Run one service's HTTP app (and with it its broker, relay and consumers) under uvicorn."""

import sys
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from shared.logs import configure_logging
from shared.settings import ConfigurationError, get_settings


def serve(service: str, build_app: Callable[[], FastAPI]) -> None:
    settings = get_settings()
    configure_logging(service, settings.log_level)
    try:
        app = build_app()
    except ConfigurationError as exc:
        print(f"{service}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    uvicorn.run(
        app,
        host=settings.service_host,
        port=settings.service_port(service),
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
