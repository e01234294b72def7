"""Cancellation policy: fee bands by working days of notice before the first session."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Band:
    """With at most ``max_working_days`` of notice, ``percent`` of the price is charged."""

    max_working_days: int
    percent: int


@dataclass(frozen=True)
class CancellationPolicy:
    bands: tuple[Band, ...] = field(default_factory=tuple)
    late_fee_pence: int = 0
    """Charged instead of a percentage when the place was free but the notice is in a band."""
    no_show_percent: int = 100
    """Of the price, charged for a confirmed place nobody came to (a free place: the late fee)."""

    def band_for(self, working_days_notice: int) -> Band | None:
        """The tightest band the notice falls in, or None when the notice is long enough."""
        matching = [b for b in self.bands if working_days_notice <= b.max_working_days]
        return min(matching, key=lambda b: b.max_working_days, default=None)

    def fee(self, price_pence: int, working_days_notice: int) -> int:
        band = self.band_for(working_days_notice)
        if band is None or band.percent == 0:
            return 0
        if price_pence == 0:
            return self.late_fee_pence
        # Round half up to the penny, never above the price.
        return min(price_pence, (price_pence * band.percent + 50) // 100)

    def no_show_fee(self, price_pence: int) -> int:
        if self.no_show_percent == 0:
            return 0
        if price_pence == 0:
            return self.late_fee_pence
        return min(price_pence, (price_pence * self.no_show_percent + 50) // 100)


STANDARD_POLICY = CancellationPolicy(
    bands=(Band(max_working_days=10, percent=50), Band(max_working_days=2, percent=100)),
    late_fee_pence=0,
)
"""More than 10 working days: free; 10 or fewer: 50%; fewer than 3: 100%."""
