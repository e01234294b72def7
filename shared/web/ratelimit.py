"""Per-client rate limits for public endpoints (moving window, in process memory).

In-memory counters suit one process per service; behind several replicas, point ``limits`` at
a shared store instead.
"""

from collections.abc import Callable

from fastapi import Request
from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from shared.web.problems import TooManyRequests


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class RateLimit:
    def __init__(self, per_minute: int, scope: str) -> None:
        self.item = RateLimitItemPerMinute(per_minute)
        self.scope = scope
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def dependency(self) -> Callable[[Request], object]:
        async def check(request: Request) -> None:
            if not await self.limiter.hit(self.item, self.scope, client_address(request)):
                raise TooManyRequests(
                    f"too many requests from this address: at most {self.item.amount} "
                    "a minute; try again shortly",
                    retry_after_s=60,
                )

        return check
