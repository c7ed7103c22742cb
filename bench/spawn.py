"""Runs each cold start as a child of this small process and reports its wall time and peak RSS.

Peak RSS must come from a small parent: Linux carries the parent's resident size across fork into the child's
high-water mark, so children of the benchmark process itself (which hosts moto) would all report its size.
Reads a JSON list of jobs {"argv", "env", "stdin"} on stdin; writes a JSON list of [seconds, peak_rss_kib].
"""

import json
import os
import subprocess
import sys
import time
from typing import Any


def run(job: dict[str, Any]) -> list[float]:
    started = time.perf_counter()
    child = subprocess.Popen(
        job["argv"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=job["env"],
    )
    assert child.stdin is not None
    child.stdin.write(str(job["stdin"]).encode())
    child.stdin.close()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"cold start failed (exit {child.returncode}): {job['argv']}")
    return [seconds, float(usage.ru_maxrss)]


if __name__ == "__main__":
    json.dump([run(job) for job in json.load(sys.stdin)], sys.stdout)
