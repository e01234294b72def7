"""Container HEALTHCHECK: GET /healthz of the service named by ALLIANCE_SERVICE; exit 0 if 200."""

import os
import sys
import urllib.request

from shared.settings import SERVICES, get_settings

service = os.environ.get("ALLIANCE_SERVICE", "")
if service not in SERVICES:
    print(f"ALLIANCE_SERVICE must be one of {', '.join(SERVICES)}", file=sys.stderr)
    sys.exit(1)
port = get_settings().service_port(service)
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:
    print(f"{service}: /healthz failed: {exc}", file=sys.stderr)
    sys.exit(1)
