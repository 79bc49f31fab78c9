"""Talks to the Pagefind indexer (the `pagefind-bin` wheel) in its service mode.

Pagefind's own Python wrapper polls for each reply on a 0.1 s timer, which makes 20,000
records take over half an hour; the protocol underneath is simple, so kb speaks it directly:
requests and replies are base64-encoded JSON, each followed by a comma. It also reads which
files an index Pagefind wrote uses, from the index's own metadata, and waits for them to be
written whole.
"""

import base64
import fcntl
import gzip
import itertools
import json
import subprocess
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import cbor2

from harvester.errors import KbError

WRITE_BYTES = 1 << 20  # pages go to the indexer in writes of this size (see _add_all)
WRITE_WAIT_SECONDS = 60  # for Pagefind to finish writing an index's files
# What each of Pagefind's compressed files starts with, once decompressed: its metadata
# follows as CBOR (Pagefind's index/mod.rs: version, pages, word chunks, filters, sorts).
METADATA_SIGNATURE = b"pagefind_dcd"
ENTRY_FILE = "pagefind-entry.json"  # names each language's metadata file


def files_in_use(folder: Path) -> set[str]:
    """The files (as paths relative to `folder`) of the index Pagefind last wrote there: its
    script, its WebAssembly and, as each language's metadata lists them, the page fragments,
    word chunks and filter chunks. Not Pagefind's own search UIs: the site has its own search
    page."""
    used = {ENTRY_FILE, "pagefind.js", "wasm.unknown.pagefind"}
    with reading(folder):
        for language, meta in _languages(folder):
            used.add(meta)
            if language.get("wasm"):
                used.add(f"wasm.{language['wasm']}.pagefind")
            _version, pages, word_chunks, filters, *_ = read_compressed(folder / meta)
            used.update(f"fragment/{page[0]}.pf_fragment" for page in pages if page[0])  # kb's placeholders have none
            used.update(f"index/{chunk[2]}.pf_index" for chunk in word_chunks)
            used.update(f"filter/{chunk[1]}.pf_filter" for chunk in filters)
    return used


def read_compressed(path: Path):
    """One of Pagefind's compressed files (metadata, word chunk, filter chunk), decoded."""
    return cbor2.loads(gzip.decompress(path.read_bytes()).removeprefix(METADATA_SIGNATURE))


def _languages(folder: Path) -> Iterator[tuple[dict, str]]:
    """Each language of the index in `folder`, with the name of its metadata file."""
    entry = json.loads((folder / ENTRY_FILE).read_text(encoding="utf-8"))
    for language in entry["languages"].values():
        yield language, metadata_name(language["hash"])


def metadata_name(language_hash: str) -> str:
    """The file name of a language's metadata, from the hash the entry file gives it."""
    return f"pagefind.{language_hash}.pf_meta"


@contextmanager
def reading(folder: Path) -> Iterator[None]:
    """Turns a missing or malformed file of the index in `folder` into an error naming it."""
    try:
        yield
    except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, cbor2.CBORDecodeError) as exc:
        raise KbError(f"search index: cannot read the index Pagefind {version()} wrote in {folder}: {exc}") from None


def _unfinished(folder: Path) -> list[str]:
    """The files of the index in `folder` that are not whole yet: its entry file first, then
    each language's metadata, then the files the metadata lists. All but the entry file and
    the script are gzip streams, whose trailer tells a whole one."""
    try:
        metadata = [meta for _language, meta in _languages(folder)]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return [ENTRY_FILE]
    broken = [name for name in metadata if not _whole(folder / name)]
    if broken:
        return broken
    return sorted(name for name in files_in_use(folder) - {ENTRY_FILE} if not _whole(folder / name))


def _whole(path: Path) -> bool:
    try:
        if path.name == "pagefind.js":
            return path.stat().st_size > 0
        gzip.decompress(path.read_bytes())
        return True
    except (OSError, EOFError, zlib.error):
        return False


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
        if hasattr(fcntl, "F_SETPIPE_SZ"):  # Linux: room for a whole write, so the writer can go on making pages
            try:
                fcntl.fcntl(self._process.stdin.fileno(), fcntl.F_SETPIPE_SZ, WRITE_BYTES)
            except OSError:
                pass  # above the system's limit: the default pipe works, with more waiting

    def __enter__(self) -> "Indexer":
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self._process.stdin.close()
        except BrokenPipeError:
            pass  # stopped already; its error is what the caller is told
        self._process.wait()

    def index(self, pages: Iterable[tuple[str, str]], output: Path, language: str,
              on_read: Callable[[], None] = lambda: None) -> None:
        """Index `pages` ([(url, html)]) into the folder `output`, then free the index's memory.
        `on_read()` is called once Pagefind has read every page, when it starts building the
        whole index in memory.

        The memory is the point: Pagefind holds a whole index in memory while writing it (about
        80 KB per page of real length at its peak), so kb indexes a large site in several
        smaller parts.
        """
        index_id = self._send({"type": "NewIndex", "config": {"force_language": language}})["index_id"]
        adds = iter({"type": "AddFile", "index_id": index_id, "url": url, "file_path": None, "file_contents": html}
                    for url, html in pages)
        first = next(adds, None)
        if first is not None:
            self._add_all(itertools.chain([first], adds))
        on_read()
        self._write_files(index_id, output)
        self._send({"type": "DeleteIndex", "index_id": index_id})

    def _write_files(self, index_id: int, output: Path) -> None:
        """Pagefind replies that it wrote the files while some are still being written, and a
        file it has not finished when it exits stays empty (seen on a busy machine). So kb
        waits, while it runs, until every file the index uses is whole. Pagefind does not
        write again a file it finds (they are named by their content), so broken ones a
        stopped run left are removed first."""
        for path in output.rglob("*.pf_*"):
            if not _whole(path):
                path.unlink()
        self._send({"type": "WriteFiles", "index_id": index_id, "output_path": str(output)})
        deadline = time.monotonic() + WRITE_WAIT_SECONDS
        while unfinished := _unfinished(output):
            if time.monotonic() > deadline:
                raise KbError(f"search index: Pagefind did not finish writing {output / unfinished[0]}"
                              f"{f' and {len(unfinished) - 1} other files' if len(unfinished) > 1 else ''}")
            time.sleep(0.02)

    def _add_all(self, adds: Iterator[dict]) -> None:
        # Pages are made and sent by a thread of their own while replies are read here, so
        # Pagefind parses some while the next are made. They go in writes of WRITE_BYTES: a
        # thread that writes often waits for the interpreter lock each time, and while the
        # build lays out pages beside the indexer (see build.py) that wait made indexing five
        # times slower. Only the writer knows which page is the last: it says so before sending
        # it, so the reply that ends the wait is recognised when it comes.
        last_id: list[int] = []
        failed: list[BaseException] = []

        def write() -> None:
            try:
                pending, upcoming = bytearray(), next(adds)
                while upcoming is not None:
                    payload, upcoming = upcoming, next(adds, None)
                    if upcoming is None:
                        last_id.append(self._message_id + 1)
                    pending += self._encode(payload)
                    if len(pending) >= WRITE_BYTES or upcoming is None:
                        self._process.stdin.write(pending)
                        self._process.stdin.flush()
                        pending.clear()
            except BrokenPipeError:
                pass  # the indexer stopped: the reader sees its output end and says so
            except BaseException as exc:  # making a page failed: stop the indexer, so the reader stops too
                failed.append(exc)
                self._process.kill()

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        try:
            while self._reply()["message_id"] not in last_id:
                pass
        except BaseException:
            self._process.kill()  # or the writer could wait forever on a full pipe
            writer.join()
            if failed:
                raise failed[0] from None
            raise
        writer.join()

    def _send(self, payload: dict) -> dict:
        self._request(payload)
        return self._reply()["payload"]

    def _request(self, payload: dict) -> None:
        try:
            self._process.stdin.write(self._encode(payload))
            self._process.stdin.flush()
        except BrokenPipeError:
            pass  # the indexer stopped: the reply it cannot give says so

    def _encode(self, payload: dict) -> bytes:
        self._message_id += 1
        message = {"message_id": self._message_id, "payload": payload}
        return base64.b64encode(json.dumps(message).encode()) + b","

    def _reply(self) -> dict:
        """The next reply, whole: its `message_id` and `payload`."""
        try:
            reply = self._receive()
        except EOFError:
            raise KbError(f"search index: the Pagefind indexer stopped (exit status {self._process.wait()})") from None
        if reply["payload"]["type"] == "Error":
            raise KbError(f"search index: Pagefind: {reply['payload'].get('message', 'failed')}")
        return reply

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
