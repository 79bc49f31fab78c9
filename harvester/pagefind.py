"""Talks to the Pagefind indexer (the `pagefind-bin` wheel) in its service mode.

Pagefind's own Python wrapper polls for each reply on a 0.1 s timer, which makes 20,000
records take over half an hour; the protocol underneath is simple, so kb speaks it directly:
requests and replies are base64-encoded JSON, each followed by a comma.
"""

import base64
import json
import subprocess
import threading
from pathlib import Path

from harvester.errors import KbError


def version() -> str:
    from importlib.metadata import version as package_version

    return package_version("pagefind-bin")


class Indexer:
    """One Pagefind service process; each `index()` call builds and writes one index."""

    def __init__(self):
        import pagefind_bin  # imported here: only a build with search needs the binary

        self._process = subprocess.Popen(
            [str(pagefind_bin.get_executable()), "--service"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        self._message_id = 0
        self._pending = bytearray()

    def __enter__(self) -> "Indexer":
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self._process.stdin.close()
        except BrokenPipeError:
            pass  # stopped already; its error is what the caller is told
        self._process.wait()

    def index(self, pages: list[tuple[str, str]], output: Path, language: str) -> None:
        """Index `pages` ([(url, html)]) into the folder `output`, then free the index's memory.

        The memory is the point: Pagefind holds a whole index in memory while writing it (about
        85 KB per page at its peak), so kb indexes a large site in several smaller indexes.
        """
        index_id = self._send({"type": "NewIndex", "config": {"force_language": language}})["index_id"]
        adds = [{"type": "AddFile", "index_id": index_id, "url": url, "file_path": None, "file_contents": html}
                for url, html in pages]
        # Pages are sent while replies are read, so Pagefind parses one while the next arrives
        # (a third faster than waiting for each reply).
        writer = threading.Thread(target=self._write_all, args=(adds,), daemon=True)
        writer.start()
        try:
            for _ in adds:
                self._reply()
        except BaseException:
            self._process.kill()  # or the writer could wait forever on a full pipe
            raise
        finally:
            writer.join()
        self._send({"type": "WriteFiles", "index_id": index_id, "output_path": str(output)})
        self._send({"type": "DeleteIndex", "index_id": index_id})

    def _send(self, payload: dict) -> dict:
        self._write_all([payload])
        return self._reply()

    def _write_all(self, payloads: list[dict]) -> None:
        try:
            for payload in payloads:
                self._message_id += 1
                message = {"message_id": self._message_id, "payload": payload}
                self._process.stdin.write(base64.b64encode(json.dumps(message).encode()) + b",")
            self._process.stdin.flush()
        except BrokenPipeError:
            pass  # the indexer stopped: the reader sees its output end and says so

    def _reply(self) -> dict:
        try:
            reply = self._receive()
        except EOFError:
            raise KbError(f"search index: the Pagefind indexer stopped (exit status {self._process.wait()})") from None
        if reply["payload"]["type"] == "Error":
            raise KbError(f"search index: Pagefind: {reply['payload'].get('message', 'failed')}")
        return reply["payload"]

    def _receive(self) -> dict:
        while b"," not in self._pending:
            chunk = self._process.stdout.read1(1 << 16)
            if not chunk:
                raise EOFError
            self._pending += chunk
        end = self._pending.index(b",")
        reply = json.loads(base64.b64decode(bytes(self._pending[:end])))
        del self._pending[: end + 1]
        return reply
