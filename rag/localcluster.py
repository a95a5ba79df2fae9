"""A Ray cluster of several nodes on this one machine, inside a loopback-only network namespace:
how the cluster tests and benchmarks get a real multi-node cluster without a network.

Outside a namespace Ray binds the host's non-loopback address, and it has no authentication
unless told, so the cluster runs where only loopback exists (`unshare --net`) and with a fresh
token. A process re-executes itself under `namespaced(command)`, then opens `cluster(home)`
there. The namespace also has its own PID namespace, so every Ray process ends with it:
nothing is stopped by name and nothing outlives the caller.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Cluster", "cluster", "namespaced", "unavailable"]

_UNSHARE = ("unshare", "--net", "--pid", "--fork", "--mount-proc", "--map-root-user", "--kill-child")
_PORT = 6380


def namespaced(command: Sequence[str]) -> list[str]:
    """`command` run in a fresh user, network and PID namespace (killed with its first process)."""
    return [*_UNSHARE, *command]


def unavailable() -> str | None:
    """Why a namespace cluster cannot run here, or None."""
    if importlib.util.find_spec("ray") is None:
        return "Ray is not installed (pip install -e '.[ray]')"
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare or ip is missing: the cluster needs a loopback-only network namespace"
    probe = subprocess.run(namespaced(["true"]), capture_output=True, text=True)
    if probe.returncode != 0:
        return f"user and network namespaces are not permitted here: {probe.stderr.strip()}"
    return None


def _run(*args: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


@dataclass(slots=True)
class Cluster:
    """The running nodes: a head, then the nodes `add_node` joins (one CPU each)."""

    address: str
    ray: str
    """The `ray` command beside this Python."""
    nodes: int = 0

    def add_node(self, cpus: int = 1) -> None:
        _run(self.ray, "start", f"--address={self.address}", f"--num-cpus={cpus}", "--disable-usage-stats")
        self.nodes += 1


@contextmanager
def cluster(home: Path, nodes: int = 2, cpus: int = 1) -> Iterator[Cluster]:
    """Inside a namespace: bring up `lo`, give this process (and so every process it starts) a
    fresh cluster token and `home` as HOME (Ray keeps nothing of the user's), start a head node
    and `nodes - 1` more, `cpus` CPUs each."""
    _run("ip", "link", "set", "lo", "up")
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        RAY_AUTH_MODE="token",
        RAY_AUTH_TOKEN=secrets.token_hex(32),
        RAY_USAGE_STATS_ENABLED="0",
        HOME=str(home),
    )
    temp = Path(tempfile.mkdtemp(prefix="rt", dir="/tmp"))  # short: Ray's socket paths must fit 107 bytes
    ray = str(Path(sys.executable).with_name("ray"))
    try:
        _run(
            ray,
            "start",
            "--head",
            f"--port={_PORT}",
            f"--num-cpus={cpus}",
            f"--temp-dir={temp}",
            "--include-dashboard=false",
            "--disable-usage-stats",
        )
        running = Cluster(f"127.0.0.1:{_PORT}", ray, nodes=1)
        for _ in range(nodes - 1):
            running.add_node(cpus)
        yield running
    finally:
        shutil.rmtree(temp, ignore_errors=True)
