"""What curators decide, and how a new harvest meets it without undoing it."""

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from harvester import reports, store
from harvester.errors import KbError
from harvester.frontmatter import parse_days
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
    reason: str  # pending | changed at source | stale
    path: str


def queue(root: Path) -> list[QueueItem]:
    entries = store.load_all(root)
    overdue = {item.id for item in reports.stale(root, entries)}
    items = []
    for entry in entries:
        path = store.entry_path(root, entry.id)
        if entry.status != "rejected" and store.proposal_path(root, entry.id).is_file():
            reason = "changed at source"
        elif entry.status == "pending":
            reason = "pending"
        elif entry.id in overdue:
            reason = "stale"
        else:
            continue
        items.append(QueueItem(entry.id, entry.title, reason, path.relative_to(root).as_posix()))
    return items


def approve(root: Path, ids: list[str], approve_all: bool, by: str) -> list[str]:
    """Approve the given pending entries (or all of them); return the ids approved."""
    return _act(root, "approve", ids, ("pending",), lambda entry: _stamp(entry, "approved", by), every=approve_all)


def reject(root: Path, ids: list[str], reason: str, by: str) -> list[str]:
    """Never publish these; a later harvest never brings them back."""
    return _close(root, "reject", ids, "rejected", reason, by)


def archive(root: Path, ids: list[str], reason: str, by: str) -> list[str]:
    """Take entries off the site without rejecting them: kept, and never revived by a harvest."""
    return _close(root, "archive", ids, "archived", reason, by)


def verify(root: Path, ids: list[str], by: str, every: str | None) -> list[str]:
    """Stamp entries as checked and still right; optionally set their own review interval."""
    if every is not None and parse_days(every) is None:
        raise KbError(f"kb verify: --every takes days or weeks like 180d or 26w, got {every!r}")

    def stamp(entry: Entry) -> None:
        entry.meta["verified_by"] = by
        entry.meta["verified_at"] = now()
        if every is not None:
            entry.meta["review_every"] = every.strip()

    return _act(root, "verify", ids, ("approved",), stamp)


def _close(root: Path, action: str, ids: list[str], status: str, reason: str, by: str) -> list[str]:
    if not reason.strip():
        raise KbError(f"kb {action}: --reason must say why (it is kept in the entry)")

    def close(entry: Entry) -> None:
        _stamp(entry, status, by)
        entry.meta[f"{status}_reason"] = reason.strip()

    return _act(root, action, ids, ("pending", "approved"), close)


def _act(root: Path, action: str, ids: list[str], allowed: tuple[str, ...], change, every: bool = False) -> list[str]:
    """Under the workspace lock: find every named entry (or fail naming the missing ones, having
    changed nothing), apply `change` to each, write each; return the ids changed."""
    with workspace_lock(root, f"kb {action}"):
        entries = _pick(root, ids, every, allowed=allowed, action=action)
        for entry in entries:
            change(entry)
            store.write(root, entry)
    return [entry.id for entry in entries]


def retag(root: Path, entry_id: str, changes: list[str], by: str) -> list[str]:
    """Apply `+tag` / `-tag` changes; return the new tags. A retag is a curator's edit, so a
    later change at the source becomes a proposal instead of undoing it."""
    bad = [change for change in changes if len(change) < 2 or change[0] not in "+-"]
    if bad or not changes:
        raise KbError(f"kb tag: changes look like +tag or -tag, got {' '.join(bad) or 'nothing'}")
    tags: list[str] = []

    def apply(entry: Entry) -> None:
        tags.extend(entry.tags)
        for change in changes:
            name = change[1:].strip().lower()
            if change[0] == "+" and name not in tags:
                tags.append(name)
            elif change[0] == "-" and name in tags:
                tags.remove(name)
        entry.meta.update(tags=tags, edited_by=by, edited_at=now())

    _act(root, "tag", [entry_id], ("pending", "approved", "archived"), apply)
    return tags


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
