"""Lighthouse scores of the quantumcomputing site: home, an entry and the search page.

Usage: (cd benchmarks && npm ci) && python benchmarks/lighthouse.py [--keep DIR] [--entry ID]

Harvests and approves the real quantumcomputing dump (../shared/data/stackexchange) into a new
workspace, runs `kb build`, serves the site on loopback (text gzipped, as static hosts do)
and runs Lighthouse (benchmarks'
node_modules, with Debian's Chromium: CHROME_PATH=/usr/bin/chromium) on three pages, desktop
and mobile. Prints the four category scores (performance, accessibility, best practices, SEO)
per page, and each audit that cost points, so a score can be acted on.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import CHROMIUM, CHROMIUM_FLAGS, CompressingHandler, serving  # the tests' Chromium and server
from search_quality import harvest, run_step
from build_scale import kb

LIGHTHOUSE = Path(__file__).resolve().parent / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
def lighthouse(url: str, preset: str) -> dict:
    command = [str(LIGHTHOUSE), url, "--output=json", "--quiet", f"--only-categories={','.join(CATEGORIES)}",
               f"--chrome-flags={' '.join(CHROMIUM_FLAGS)}"]
    if preset == "desktop":
        command.append("--preset=desktop")
    result = subprocess.run(command, capture_output=True, text=True, check=False, env={**os.environ, "CHROME_PATH": CHROMIUM})
    if result.returncode:
        raise SystemExit(f"lighthouse failed on {url}: {result.stderr.strip()[-500:]}")
    return json.loads(result.stdout)


def lost_points(report: dict) -> list[str]:
    """Audits that counted towards a category and did not pass."""
    found = []
    for category in CATEGORIES:
        for ref in report["categories"][category]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit.get("score") is not None and audit["score"] < 1:
                found.append(f"{category}: {audit['title']} ({audit.get('displayValue') or audit['score']})")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="build in this folder (kept) instead of a temp one")
    parser.add_argument("--entry", default="qc:1461", help="the entry page to score (default: qc:1461)")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: run npm ci in benchmarks/ first")
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch) / "ws"
        harvest(root)
        run_step("kb build", kb("build", "--root", str(root)))
        entry = "entries/" + args.entry.replace(":", "/") + "/"
        pages = {"home": "", "entry": entry, "search": "search/?q=entanglement"}
        with serving(root / "site", CompressingHandler) as url:
            print(f"{'page':8} {'preset':8} " + " ".join(f"{c:>15}" for c in CATEGORIES))
            for name, path in pages.items():
                for preset in ("mobile", "desktop"):
                    report = lighthouse(url + path, preset)
                    scores = [round(100 * report["categories"][c]["score"]) for c in CATEGORIES]
                    print(f"{name:8} {preset:8} " + " ".join(f"{s:>15}" for s in scores))
                    for problem in lost_points(report):
                        print(f"    {problem}")


if __name__ == "__main__":
    main()
