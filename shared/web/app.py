"""The HTTP app of a service: problems, correlation, auth, health, and the runtime's lifespan."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.telemetry import TelemetryConfig

from shared.observability import tracing
from shared.observability.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from shared.runtime import ServiceRuntime
from shared.web.auth import TokenVerifier
from shared.web.compare import same_secret
from shared.web.correlation import CorrelationMiddleware
from shared.web.docs import install_docs
from shared.web.documented import install_document, problems
from shared.web.headers import SecurityHeaders
from shared.web.observe import ObserveMiddleware
from shared.web.pages import install_assets
from shared.web.problems import PROBLEM_JSON, install_problem_handlers
from shared.web.proxies import TrustedProxies
from shared.web.ratelimit import RateLimit

NO_FASTAPI_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}


def create_app(runtime: ServiceRuntime, *, title: str, description: str = "") -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=title,
        description=description,
        lifespan=lifespan,
        version="1.0.0",
        docs_url=None,  # install_docs serves Swagger UI from a package, not a CDN
        redoc_url=None,
        # ObserveMiddleware measures, logs and traces every request; FastAPI's own telemetry
        # (on OpenTelemetry's global providers, which nothing here sets) would only look them
        # up again on each request
        telemetry=NO_FASTAPI_TELEMETRY,
    )
    app.state.runtime = runtime
    app.state.token_verifier = TokenVerifier(runtime.settings)
    app.state.trusted_proxies = TrustedProxies(runtime.settings.trusted_proxies)
    app.state.page_rate_limit = RateLimit.for_pages(runtime.settings)
    tracing.configure(runtime.name, runtime.settings.otel_exporter_otlp_endpoint)
    app.add_middleware(
        ObserveMiddleware, metrics=runtime.metrics, log_requests=runtime.settings.access_log
    )
    app.add_middleware(CorrelationMiddleware)
    app.add_middleware(SecurityHeaders)
    install_problem_handlers(app)
    install_document(app)
    install_docs(app)
    install_assets(app)

    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.name}

    @app.get("/asyncapi.json", tags=["operations"], summary="The AsyncAPI document of the events")
    async def asyncapi() -> JSONResponse:
        return JSONResponse(runtime.asyncapi())

    metrics_token = runtime.settings.metrics_token

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        """For Prometheus on the cluster network; with METRICS_TOKEN set, only with it."""
        if metrics_token is not None:
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not same_secret(metrics_token.get_secret_value(), given):
                return JSONResponse(
                    {"type": "about:blank", "title": "Unauthorized", "status": 401},
                    status_code=401,
                    media_type=PROBLEM_JSON,
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                )
        return Response(await runtime.metrics.render(), media_type=METRICS_CONTENT_TYPE)

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
