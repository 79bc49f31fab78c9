"""Full and incremental `kb harvest` of a Discourse forum served on loopback: requests and time.

Usage: python benchmarks/discourse_sync.py FOLDER_OF_TOPIC_JSON   (e.g. the urho3d archive's t/)

The forum is the test suite's loopback Discourse (real topic JSON behind real API routes).
"""

import logging
import sys
import tempfile
import time
from pathlib import Path

import yaml
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fake_discourse import FakeDiscourse  # noqa: E402

from harvester.cli import cli  # noqa: E402


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the loopback server's access log
    folder = Path(sys.argv[1])
    server = HTTPServer()
    server.start()
    try:
        forum = FakeDiscourse.from_folder(server, folder)
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "ws"
            runner = CliRunner()
            runner.invoke(cli, ["init", str(root)])
            source = {"name": "forum", "type": "discourse", "base_url": forum.url}
            (root / "site_config" / "sources.yml").write_text(yaml.safe_dump({"sources": [source]}))
            print(f"{len(forum.topics)} topics served")
            print(f"{'run':<28}{'requests':>9}{'seconds':>9}  summary")
            for label in ("full (first)", "incremental, nothing new", "full again (--full)"):
                forum.requests.clear()
                args = ["harvest", "--root", str(root), *(["--full"] if "--full" in label else [])]
                start = time.perf_counter()
                result = runner.invoke(cli, args)
                elapsed = time.perf_counter() - start
                summary = result.output.strip().splitlines()[-1]
                print(f"{label:<28}{len(forum.requests):>9}{elapsed:>9.2f}  {summary}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
