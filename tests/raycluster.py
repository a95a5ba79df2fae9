"""A 2-node Ray cluster inside a loopback-only network namespace, for the cluster tests.

`unshare --net --pid --fork --mount-proc --map-root-user --kill-child python -m tests.raycluster WORK`
brings up `lo`, starts a head and a worker node (1 CPU each), and runs in WORK:
  equal/   the fixtures folder indexed through the cluster
  worker/  a generated folder, one embedding actor killed (SIGKILL) while the job runs
  driver/  the same folder, the driver killed after its first publication, then run again
and writes WORK/result.json. Every process lives in the namespace's PID namespace, so they
all end with it: nothing is stopped by name and nothing outlives the test.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADDRESS = "127.0.0.1:6380"


def _run(*args: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def _driver(work: Path, name: str, folder: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "tests.raydriver",
        str(work / name),
        str(folder),
        ADDRESS,
        str(work / "models"),
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
    _run("ip", "link", "set", "lo", "up")
    # the cluster's own token (Ray's token authentication), and a home where Ray keeps nothing
    # of the user's: every process below inherits both
    os.environ.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32), HOME=str(work / "home"))
    ray = str(Path(sys.executable).with_name("ray"))
    temp = Path(tempfile.mkdtemp(prefix="rt", dir="/tmp"))  # short: Ray's socket paths must fit 107 bytes
    try:
        _cluster(work, ray, temp)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _cluster(work: Path, ray: str, temp: Path) -> None:
    _run(
        ray,
        "start",
        "--head",
        "--port=6380",
        "--num-cpus=1",
        f"--temp-dir={temp}",
        "--include-dashboard=false",
        "--disable-usage-stats",
    )
    _run(ray, "start", f"--address={ADDRESS}", "--num-cpus=1", "--disable-usage-stats")
    result: dict[str, object] = {}

    t0 = time.monotonic()
    proc = _driver(work, "equal", ROOT / "tests" / "fixtures")
    out, _ = proc.communicate(timeout=240)
    result["equal"] = {
        "rc": proc.returncode,
        "last": out.strip().splitlines()[-1:],
        "s": time.monotonic() - t0,
    }

    proc = _driver(work, "worker", work / "talks")
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

    proc = _driver(work, "driver", work / "talks")
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    first = proc.stdout.readline().strip()
    proc.kill()
    proc.wait()
    shutil.copytree(work / "driver", work / "driver-killed")  # as the kill left it
    proc = _driver(work, "driver", work / "talks")
    out, _ = proc.communicate(timeout=240)
    result["driver"] = {"first": first, "rc": proc.returncode, "last": out.strip().splitlines()[-1:]}
    (work / "result.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
