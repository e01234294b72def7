"""The security headers every service sends: the same on every page and every API answer."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALWAYS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
ON_PAGES: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
_ALWAYS_NAMES = frozenset(name for name, _ in ALWAYS)
PAGES_EXEMPT = ("/docs", "/redoc")
"""Swagger UI and ReDoc run inline scripts of their own; they get the headers sent everywhere."""


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exempt = str(scope.get("path", "")).startswith(PAGES_EXEMPT)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = set()
                is_page = False
                for name, value in headers:
                    name = name.lower()
                    present.add(name)
                    if name == b"content-type" and value.startswith(b"text/html"):
                        is_page = True
                if is_page and not exempt:
                    headers.extend(h for h in ALWAYS + ON_PAGES if h[0] not in present)
                elif present.isdisjoint(_ALWAYS_NAMES):
                    headers.extend(ALWAYS)  # an API answer: the usual case, nothing to check
                else:
                    headers.extend(h for h in ALWAYS if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
