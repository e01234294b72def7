"""CPU seconds (user + system) of this process and of an embedded PostgreSQL, for the benches."""

from pathlib import Path

import psutil


def own_cpu() -> float:
    t = psutil.Process().cpu_times()
    return t.user + t.system


def postgres_cpu(data_dir: Path) -> float:
    """The server whose command line names ``data_dir``, with all its backends."""
    total = 0.0
    for process in psutil.process_iter(["cmdline"]):
        try:
            if any(str(data_dir) in part for part in process.info["cmdline"] or ()):
                for p in [process, *process.children(recursive=True)]:
                    t = p.cpu_times()
                    total += t.user + t.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total
