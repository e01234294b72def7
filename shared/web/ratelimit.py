"""Per-client rate limits for public endpoints (moving window, in process memory).

Pages and the JSON API have budgets of their own (``RateLimit.for_pages`` and
``RateLimit.for_api``): a person clicking around a catalogue is not a script polling it. The
client is the peer address, or what a trusted proxy says it is (``shared.web.proxies``). Every
refusal is a 429 problem with ``Retry-After``.

In-memory counters suit one process per service; behind several replicas, point ``limits`` at
a shared store instead.
"""

import math
import time
from collections.abc import Callable

from fastapi import Depends, Request
from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from shared.settings import Settings
from shared.web.documented import documents
from shared.web.problems import TooManyRequests
from shared.web.proxies import TrustedProxies

NO_PROXIES = TrustedProxies()


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else "unknown"
    proxies: TrustedProxies = getattr(request.app.state, "trusted_proxies", NO_PROXIES)
    return proxies.client(peer, request.headers.getlist("x-forwarded-for"))


class RateLimit:
    def __init__(self, per_minute: int, scope: str) -> None:
        self.item = RateLimitItemPerMinute(per_minute)
        self.scope = scope
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    @classmethod
    def for_pages(cls, settings: Settings, scope: str = "pages") -> "RateLimit":
        """HTML pages people browse: ``PUBLIC_PAGE_RATE_LIMIT_PER_MINUTE``."""
        return cls(settings.public_page_rate_limit_per_minute, scope)

    @classmethod
    def for_api(cls, settings: Settings, scope: str = "api") -> "RateLimit":
        """Public JSON endpoints: ``PUBLIC_RATE_LIMIT_PER_MINUTE``."""
        return cls(settings.public_rate_limit_per_minute, scope)

    async def check(self, request: Request) -> None:
        client = client_address(request)
        if await self.limiter.hit(self.item, self.scope, client):
            return
        stats = await self.limiter.get_window_stats(self.item, self.scope, client)
        wait_s = max(1, math.ceil(stats.reset_time - time.time()))
        raise TooManyRequests(
            f"too many requests from this address: at most {self.item.amount} "
            f"a minute; try again in {wait_s} s",
            retry_after_s=wait_s,
        )

    def dependency(self) -> Callable[[Request], object]:
        @documents(429)
        async def check(request: Request) -> None:
            await self.check(request)

        return check


async def _public_page(request: Request) -> None:
    limit: RateLimit = request.app.state.page_rate_limit
    await limit.check(request)


PublicPage = Depends(_public_page)
"""For a public HTML page: the app's page budget (``create_app`` installs it)."""
