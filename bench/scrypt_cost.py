"""Measure what one scrypt derivation costs on this machine, at the parameters reports/crypto.py
states (CODE_KDF_COST: 100-250 ms wanted; KEYRING_KDF_COST: once per process start).

    .venv/bin/python bench/scrypt_cost.py [runs]

Prints the median, fastest and slowest of `runs` derivations (default 15) in milliseconds. Not a
test: timings depend on the machine and its load, so nothing asserts them.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reports.crypto import CODE_KDF_COST, KEYRING_KDF_COST, ScryptCost


def measure(cost: ScryptCost, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        salt = os.urandom(16)
        start = time.perf_counter()
        cost.derive(b"ABCDEFGHJKMNPQRST", salt)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    print(f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, cost, runs_here in (("CODE_KDF_COST", CODE_KDF_COST, runs), ("KEYRING_KDF_COST", KEYRING_KDF_COST, 3)):
        timings = measure(cost, runs_here)
        print(
            f"{name}: n=2**{cost.n_log2} r={cost.r} p={cost.p} ({cost.memory_bytes // 2**20} MiB): "
            f"median {statistics.median(timings):.0f} ms, min {min(timings):.0f} ms, max {max(timings):.0f} ms "
            f"over {runs_here} runs"
        )


if __name__ == "__main__":
    main()
