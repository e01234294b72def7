"""The local OpenID Connect provider (the ``oidc-provider-mock`` package) as a child process.

It speaks the real protocol (discovery, authorization code, token, userinfo, JWKS) and shows a
page where a newcomer picks one of the demo people (or types any email) to sign in as.
"""

import json
import os
import sys
from pathlib import Path

from devstack.errors import StartupError
from devstack.part import ManagedPart
from devstack.people import DEMO_PEOPLE, DemoPerson
from devstack.ports import port_in_use, wait_for_port
from devstack.process import ChildProcess

PART = "oidc"
HOST = "127.0.0.1"
READY_TIMEOUT = 30.0
CLIENT_ID = "alliance-local"
CLIENT_SECRET = "alliance-local-secret"


class OidcProvider(ManagedPart):
    def __init__(
        self, port: int, log_path: Path, people: tuple[DemoPerson, ...] = DEMO_PEOPLE
    ) -> None:
        self.port = port
        self.log_path = log_path
        self.people = people
        self._process: ChildProcess | None = None

    @property
    def issuer(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        if self.alive:
            return
        if port_in_use(self.port, HOST):
            raise StartupError(PART, f"port {self.port} on {HOST} is already in use")
        argv = [
            sys.executable,
            "-m",
            "oidc_provider_mock",
            "--host",
            HOST,
            "--port",
            str(self.port),
        ]
        for person in self.people:
            argv += ["--user-claims", json.dumps(person.claims())]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
        self._process = ChildProcess(PART, argv, self.log_path, env=env)
        self._process.start()
        try:
            wait_for_port(HOST, self.port, READY_TIMEOUT, self._process)
        except BaseException:
            self.stop()
            raise

    def settings(self) -> dict[str, object]:
        """What the services need to send people here to sign in."""
        return {
            "oidc_issuer": self.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
        }

    def __repr__(self) -> str:
        return f"OidcProvider(port={self.port}, alive={self.alive})"
