"""The HTTP app of a service: problems, correlation, auth, health, and the runtime's lifespan."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from shared.runtime import ServiceRuntime
from shared.web.auth import TokenVerifier
from shared.web.correlation import CorrelationMiddleware
from shared.web.documented import install_document, problems
from shared.web.headers import SecurityHeaders
from shared.web.problems import PROBLEM_JSON, install_problem_handlers
from shared.web.proxies import TrustedProxies


def create_app(runtime: ServiceRuntime, *, title: str, description: str = "") -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, description=description, lifespan=lifespan, version="1.0.0")
    app.state.runtime = runtime
    app.state.token_verifier = TokenVerifier(runtime.settings)
    app.state.trusted_proxies = TrustedProxies(runtime.settings.trusted_proxies)
    app.add_middleware(CorrelationMiddleware)
    app.add_middleware(SecurityHeaders)
    install_problem_handlers(app)
    install_document(app)

    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.name}

    @app.get("/asyncapi.json", tags=["operations"], summary="The AsyncAPI document of the events")
    async def asyncapi() -> JSONResponse:
        return JSONResponse(runtime.asyncapi())

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="The database and the broker are reachable",
        responses=problems(503),
    )
    async def readyz() -> JSONResponse:
        problems = await runtime.readiness()
        if problems:
            return JSONResponse(
                {
                    "type": "about:blank",
                    "title": "Not ready",
                    "status": 503,
                    "detail": "; ".join(f"{k}: {v}" for k, v in problems.items()),
                    "checks": problems,
                },
                status_code=503,
                media_type=PROBLEM_JSON,
            )
        return JSONResponse({"status": "ready", "service": runtime.name})

    return app
