"""Demo data: none of its own. Notifications come from the demo bookings and requests' events."""

from shared.runtime import ServiceRuntime


async def load_demo_data(runtime: ServiceRuntime) -> None:
    """Nothing to load: the other services' demo data produces events, and so notifications."""
    return None
