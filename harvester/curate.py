"""What curators decide, and how a new harvest meets it without undoing it."""

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from harvester import store
from harvester.errors import KbError
from harvester.lock import workspace_lock
from harvester.model import Entry, fingerprint

# Keys a harvest owns; everything else in the front matter belongs to curators.
HARVESTED_KEYS = ("id", "title", "kind", "tags", "source", "question", "answer")


def reconcile(root: Path, harvested: Entry, dry_run: bool = False) -> str:
    """Store a freshly harvested entry under the curation rules; return what happened.

    - new: written as pending.
    - pending and untouched by a curator, source changed: updated in place, curation keys kept.
    - approved, archived or edited by a curator, source changed: the current text stays; the
      new version is written beside it as a proposal for a curator.
    - rejected: never brought back, whatever the source does.
    """
    path = store.entry_path(root, harvested.id)
    existing = store.read_if_exists(path, root)
    if existing is None:
        outcome, target, entry = "new", path, harvested
    elif existing.status == "rejected":
        return "rejected"
    elif existing.meta.get("source", {}).get("fingerprint") == harvested.meta["source"]["fingerprint"]:
        return "unchanged"
    elif existing.status == "pending" and not edited_by_curator(existing):
        curated = {key: value for key, value in existing.meta.items() if key not in HARVESTED_KEYS}
        outcome, target, entry = "updated", path, Entry({**harvested.meta, **curated}, harvested.body)
    else:
        target = store.proposal_path(root, harvested.id)
        proposed = store.read_if_exists(target, root)
        if proposed and proposed.meta["source"].get("fingerprint") == harvested.meta["source"]["fingerprint"]:
            return "unchanged"  # already waiting for a curator
        outcome, entry = "changed", harvested
    if not dry_run:
        store.write(root, entry, target)
    return outcome


def edited_by_curator(entry: Entry) -> bool:
    """True when the harvested parts no longer match what was harvested (a curator's edit)."""
    return fingerprint(entry.meta, entry.body) != (entry.meta.get("source") or {}).get("fingerprint")


@dataclass
class QueueItem:
    id: str
    title: str
    reason: str  # pending | changed at source
    path: str


def queue(root: Path) -> list[QueueItem]:
    items = []
    for entry in store.load_all(root):
        path = store.entry_path(root, entry.id)
        if entry.status != "rejected" and store.proposal_path(root, entry.id).is_file():
            reason = "changed at source"
        elif entry.status == "pending":
            reason = "pending"
        else:
            continue
        items.append(QueueItem(entry.id, entry.title, reason, path.relative_to(root).as_posix()))
    return items


def approve(root: Path, ids: list[str], approve_all: bool, by: str) -> list[str]:
    """Approve the given pending entries (or all of them); return the ids approved."""
    with workspace_lock(root, "kb approve"):
        entries = _pick(root, ids, approve_all, allowed=("pending",), action="approve")
        for entry in entries:
            _stamp(entry, "approved", by)
            store.write(root, entry)
    return [entry.id for entry in entries]


def reject(root: Path, ids: list[str], reason: str, by: str) -> list[str]:
    if not reason.strip():
        raise KbError("kb reject: --reason must say why (it is kept in the entry)")
    with workspace_lock(root, "kb reject"):
        entries = _pick(root, ids, False, allowed=("pending", "approved"), action="reject")
        for entry in entries:
            _stamp(entry, "rejected", by)
            entry.meta["rejected_reason"] = reason.strip()
            store.write(root, entry)
    return [entry.id for entry in entries]


def _pick(root: Path, ids: list[str], every: bool, allowed: tuple[str, ...], action: str) -> list[Entry]:
    if every:
        return [entry for entry in store.load_all(root) if entry.status == "pending"]
    if not ids:
        raise KbError(f"kb {action}: name at least one entry id (or use --all)")
    entries, problems = [], []
    for entry_id in dict.fromkeys(ids):
        try:
            path = store.entry_path(root, entry_id)
        except ValueError:
            path = None
        entry = store.read_if_exists(path, root) if path else None
        if entry is None or entry.id != entry_id:
            problems.append(f"kb {action}: no entry with id \"{entry_id}\"")
        elif entry.status not in allowed:
            problems.append(f"kb {action}: \"{entry_id}\" is {entry.status}; kb {action} takes {' or '.join(allowed)} entries")
        else:
            entries.append(entry)
    if problems:
        raise KbError("\n".join(problems))
    return entries


def _stamp(entry: Entry, status: str, by: str) -> None:
    entry.meta["status"] = status
    entry.meta["reviewed_by"] = by
    entry.meta["reviewed_at"] = now()


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
