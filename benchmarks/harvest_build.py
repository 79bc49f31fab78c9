"""Harvest, approve and build one Stack Exchange dump; print wall time and peak memory per step.

Usage: python benchmarks/harvest_build.py PATH_TO_DUMP [--site-url URL]

Each step runs as its own `kb` process, so its peak resident memory is its own.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml


def run_step(args: list[str]) -> tuple[float, float]:
    """(seconds, peak MiB) of one `kb` run."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "harvester", *args], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"kb {' '.join(args)} failed")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("--site-url", default=None)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        subprocess.run([sys.executable, "-m", "harvester", "init", str(root)], check=True, stdout=subprocess.DEVNULL)
        source = {"name": "bench", "type": "stackexchange-dump", "path": str(options.dump.resolve())}
        if options.site_url:
            source["site_url"] = options.site_url
        (root / "site_config" / "sources.yml").write_text(yaml.safe_dump({"sources": [source]}))

        steps = [
            ("harvest (first)", ["harvest"]),
            ("harvest (again, no-op)", ["harvest"]),
            ("approve --all", ["approve", "--all", "--by", "bench"]),
            ("build (first)", ["build"]),
            ("build (again)", ["build"]),
        ]
        print(f"{'step':<24}{'seconds':>9}{'peak MiB':>10}")
        for label, args in steps:
            seconds, peak = run_step([*args, "--root", str(root)])
            print(f"{label:<24}{seconds:>9.2f}{peak:>10.1f}")
        entries = len(list((root / "content").rglob("*.md")))
        site_bytes = sum(p.stat().st_size for p in (root / "site").rglob("*") if p.is_file())
        print(f"entries: {entries}, site: {site_bytes / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
