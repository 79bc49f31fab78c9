"""Which laid-out pages are already what a build would write, known without writing them.

At 20,000 entries, the layout spent about 4 of its 11 seconds making entry pages identical
to the ones on disk, in a rebuild after one change. So each entry page is kept with a digest of
everything its text is made from: the context its template is given, the templates, and kb's
own code. A page whose digest is unchanged, and whose file is still there, is not laid out
again. The digests are kept in LAYOUT_CACHE, which is removed while a layout runs: a build
stopped half way leaves pages the digests no longer describe, so the next one starts over.
"""

import dataclasses
import hashlib
import json
from pathlib import Path

from harvester.files import code_digest, folder_digest, write_atomic
from harvester.model import Entry, entry_digest
from harvester.store import FiledEntry

LAYOUT_CACHE = ".kb/layout.json"  # derived, like the rest of .kb/


class LayoutCache:
    def __init__(self, root: Path, docs_dir: Path, reuse: bool = True):
        """The digests of the last layout of `docs_dir` (none unless `reuse`), removed from
        disk until `save()` records this layout's."""
        self.path, self.docs_dir = root / LAYOUT_CACHE, docs_dir
        self.salt = f"{code_digest()} {folder_digest(root / 'templates')}"
        self.known: dict[str, str] = {}
        self.laid_out: dict[str, str] = {}
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            if reuse and saved.get("salt") == self.salt and isinstance(saved.get("pages"), dict):
                self.known = saved["pages"]
        except (OSError, ValueError, AttributeError):
            pass  # none yet, or unreadable: every page is laid out
        self.path.unlink(missing_ok=True)

    def unchanged(self, page: str, context: dict) -> bool:
        """Whether `page`, made from the template context `context`, is on disk as it would
        be laid out now."""
        digest = hashlib.blake2b(json.dumps(context, sort_keys=True, ensure_ascii=False, default=_plain).encode(),
                                 digest_size=16).hexdigest()
        self.laid_out[page] = digest
        return self.known.get(page) == digest and (self.docs_dir / page).is_file()

    def save(self) -> None:
        write_atomic(self.path, json.dumps({"salt": self.salt, "pages": self.laid_out}, separators=(",", ":")),
                     durable=False)


def _plain(value):
    if isinstance(value, FiledEntry):
        return value.digest  # of its file, which holds the whole entry: its body is not read again
    if isinstance(value, Entry):
        return entry_digest(value)
    if dataclasses.is_dataclass(value):
        return vars(value)  # its fields; asdict() took as long as the rest of the digest
    return str(value)  # dates, as front matter may hold them
