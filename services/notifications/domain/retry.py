"""When to try a temporarily failed message again, and when to stop."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_s: float = 5.0
    max_delay_s: float = 600.0

    def delay_after(self, attempts: int) -> float:
        """Seconds to wait after ``attempts`` failed tries (1, 2, ...): exponential, capped."""
        return min(self.base_s * 2 ** max(attempts - 1, 0), self.max_delay_s)

    def gives_up_after(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
