"""Which peers may say who the client is (``X-Forwarded-For``): only proxies named in a setting.

Without ``TRUSTED_PROXIES`` nobody is trusted and the address is the peer's own: a client
cannot buy a fresh rate-limit budget by sending the header itself.
"""

import ipaddress
from collections.abc import Iterable

from shared.settings import ConfigurationError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    def __init__(self, spec: str | Iterable[str] = "") -> None:
        items = spec.split(",") if isinstance(spec, str) else spec
        try:
            self.networks: tuple[Network, ...] = tuple(
                ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip()
            )
        except ValueError as exc:
            raise ConfigurationError(
                f"TRUSTED_PROXIES: {exc}; give addresses or networks, comma-separated "
                "(10.0.0.5,10.1.0.0/16)"
            ) from None

    def __bool__(self) -> bool:
        return bool(self.networks)

    def uvicorn_value(self) -> str:
        """For uvicorn's ``forwarded_allow_ips``."""
        return ",".join(str(network) for network in self.networks)

    def trusts(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host.strip())
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def client(self, peer: str, forwarded_for: Iterable[str]) -> str:
        """The client: the peer, unless it is a trusted proxy; then the nearest hop in
        ``X-Forwarded-For`` that is not a trusted proxy itself."""
        if not self.trusts(peer):
            return peer
        hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop
        return hops[0] if hops else peer
