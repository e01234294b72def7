"""Container HEALTHCHECK: GET /healthz of the service named by ALLIANCE_SERVICE; exit 0 if 200."""

import os
import sys
import urllib.request

from shared.settings import declared_services, service_settings

service = os.environ.get("ALLIANCE_SERVICE", "")
known = tuple(declared_services())
if service not in known:
    print(f"ALLIANCE_SERVICE must be one of {', '.join(known)}", file=sys.stderr)
    sys.exit(1)
port = service_settings(service)().port
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:
    print(f"{service}: /healthz failed: {exc}", file=sys.stderr)
    sys.exit(1)
