"""Takes the correlation id from ``X-Correlation-ID`` (or makes one) and returns it."""

from uuid import uuid4

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.context import causation_id, correlation_id

HEADER = "x-correlation-id"
_HEADER = HEADER.encode()


class CorrelationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, given in scope.get("headers") or ():
            if name == _HEADER:
                incoming = given  # the last one, as before
        value = incoming.decode()[:100] if incoming else str(uuid4())
        correlation_id.set(value)
        causation_id.set(None)
        header = (_HEADER, value.encode())

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"].append(header)
            await send(message)

        await self.app(scope, receive, send_with_header)
