"""The cluster tests' scenarios, on a 2-node Ray cluster inside a loopback-only network namespace
(`rag.localcluster`).

`namespaced(["python", "-m", "tests.raycluster", WORK])` starts a head and a worker node (1 CPU
each) and runs in WORK:
  equal/   the fixtures folder indexed through the cluster
  worker/  a generated folder, one embedding actor killed (SIGKILL) while the job runs
  driver/  the same folder, the driver killed after its first publication, then run again
  ivfpq/   the same folder with IVF-PQ forced: its vector index filled in shards by Ray tasks
and writes WORK/result.json. Every process lives in the namespace's PID namespace, so they
all end with it: nothing is stopped by name and nothing outlives the test.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from rag.localcluster import cluster

ROOT = Path(__file__).resolve().parents[1]


def _driver(work: Path, name: str, folder: Path, address: str, *kind: str) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "tests.raydriver",
        str(work / name),
        str(folder),
        address,
        str(work / "models"),
        *kind,
    ]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def _encoders() -> list[int]:
    """Pids of the embedding actors (this PID namespace holds only this test's processes)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().startswith(b"ray::_Encoder"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return sorted(pids)


def main(work: Path) -> None:
    with cluster(work / "home", nodes=2) as running:
        _scenarios(work, running.address)


def _scenarios(work: Path, address: str) -> None:
    result: dict[str, object] = {}

    t0 = time.monotonic()
    proc = _driver(work, "equal", ROOT / "tests" / "fixtures", address)
    out, _ = proc.communicate(timeout=240)
    result["equal"] = {
        "rc": proc.returncode,
        "last": out.strip().splitlines()[-1:],
        "s": time.monotonic() - t0,
    }

    proc = _driver(work, "worker", work / "talks", address)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline:
        pids = _encoders()
        line = proc.stdout.readline()  # the first window is done: the actors are encoding
        if pids and line:
            killed = pids[0]
            os.kill(killed, signal.SIGKILL)
    out, _ = proc.communicate(timeout=240)
    result["worker"] = {"rc": proc.returncode, "killed": killed, "last": out.strip().splitlines()[-1:]}

    proc = _driver(work, "driver", work / "talks", address)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    first = proc.stdout.readline().strip()
    proc.kill()
    proc.wait()
    shutil.copytree(work / "driver", work / "driver-killed")  # as the kill left it
    proc = _driver(work, "driver", work / "talks", address)
    out, _ = proc.communicate(timeout=240)
    result["driver"] = {"first": first, "rc": proc.returncode, "last": out.strip().splitlines()[-1:]}

    proc = _driver(work, "ivfpq", work / "talks", address, "ivfpq")
    out, _ = proc.communicate(timeout=240)
    result["ivfpq"] = {"rc": proc.returncode, "last": out.strip().splitlines()[-1:]}
    (work / "result.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
