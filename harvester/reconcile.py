"""How a new harvest meets what curators decided, without undoing any of it."""

from pathlib import Path

from harvester import store
from harvester.model import Entry, fingerprint, now_iso, split_other_answers, without_other_answers

# Keys a harvest owns; everything else in the front matter belongs to curators.
HARVESTED_KEYS = ("id", "title", "kind", "tags", "source", "question", "answer", "resource")
GONE_KEY = "deleted_at_source"  # when a complete listing of the source last missed the thread
GONE_SEEN_KEY = "deleted_at_source_seen_by"  # the curator who decided after that


def reconcile(root: Path, harvested: Entry, dry_run: bool = False) -> str:
    """Store a freshly harvested entry under the curation rules; return what happened.

    - new: written as pending.
    - pending and untouched by a curator, source changed: updated in place, curation keys kept.
    - approved, archived or edited by a curator, source changed: the current text stays; the
      new version is written beside it as a proposal for a curator.
    - a change a curator already dismissed: not proposed again.
    - rejected: never brought back, whatever the source does.
    - flagged as deleted at source and now seen again: the flag goes.
    - harvested before other answers were kept, source otherwise unchanged: they are added in
      place, whatever the status, since nothing a curator judged has changed.
    """
    path = store.entry_path(root, harvested.id)
    existing = store.read_if_exists(path, root)
    if existing is None:
        return _store(root, harvested, path, "new", dry_run)
    if existing.status == "rejected":
        return "rejected"
    came_back = existing.meta.pop(GONE_KEY, None) is not None
    existing.meta.pop(GONE_SEEN_KEY, None)
    new_print = harvested.meta["source"]["fingerprint"]
    if new_print in (existing.meta["source"].get("fingerprint"), dismissed_fingerprint(existing)):
        return _store(root, existing, path, "returned", dry_run) if came_back else "unchanged"
    upgraded = _with_other_answers(existing, harvested)
    if upgraded:
        return _store(root, upgraded, path, "updated", dry_run)
    if existing.status == "pending" and not edited_by_curator(existing):
        curated = {key: value for key, value in existing.meta.items() if key not in HARVESTED_KEYS}
        return _store(root, Entry({**harvested.meta, **curated}, harvested.body), path, "updated", dry_run)
    proposal = store.proposal_path(root, harvested.id)
    waiting = store.read_if_exists(proposal, root)
    if came_back:
        _store(root, existing, path, "returned", dry_run)
    if waiting and waiting.meta["source"].get("fingerprint") == new_print:
        return "returned" if came_back else "unchanged"  # already waiting for a curator
    return _store(root, harvested, proposal, "changed", dry_run)


def flag_gone(root: Path, source: str, still_at_source: set[str], dry_run: bool = False) -> int:
    """Flag the source's entries whose thread a complete listing no longer has; return how many.

    Nothing is deleted: the entry stays as it is, and the queue asks a curator to decide.
    """
    flagged = 0
    entries, _ = store.check_all(root)  # a broken file is kb check's to report
    for entry in entries:
        entry_source, native_id = entry.id.split(":", 1)
        if entry_source != source or native_id in still_at_source or GONE_KEY in entry.meta:
            continue
        if entry.status != "rejected":
            entry.meta[GONE_KEY] = now_iso()
            flagged += 1
            if not dry_run:
                store.write(root, entry)
    return flagged


def edited_by_curator(entry: Entry) -> bool:
    """True when the harvested parts no longer match what was harvested (a curator's edit)."""
    return fingerprint(entry.meta, entry.body) != (entry.meta.get("source") or {}).get("fingerprint")


def _with_other_answers(existing: Entry, harvested: Entry) -> Entry | None:
    """The existing entry with the harvested entry's other answers added, when those are all
    that differs from what was harvested before; else None."""
    others = split_other_answers(harvested.body)[1]
    if not others or split_other_answers(existing.body)[1]:
        return None
    if fingerprint(harvested.meta, without_other_answers(harvested.body)) != existing.meta["source"].get("fingerprint"):
        return None
    meta = {**existing.meta, "source": {**existing.meta["source"], "fingerprint": harvested.meta["source"]["fingerprint"]}}
    return Entry(meta, existing.body.rstrip() + "\n\n" + others)


def dismissed_fingerprint(entry: Entry) -> str | None:
    """The source version a curator chose not to take, so no harvest proposes it again."""
    decision = entry.meta.get("source_change") or {}
    return decision.get("fingerprint") if decision.get("decision") == "dismissed" else None


def _store(root: Path, entry: Entry, path: Path, outcome: str, dry_run: bool) -> str:
    if not dry_run:
        store.write(root, entry, path)
    return outcome
