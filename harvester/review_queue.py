"""What waits for a curator, and why: the one list `kb queue` prints and `kb review` walks."""

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from harvester import config, duplicates, linkcheck, reports, store
from harvester.model import Entry
from harvester.reconcile import GONE_KEY, GONE_SEEN_KEY, dismissed_fingerprint

# In the order they are reported when an entry has several.
REASONS = ("deleted at source", "changed at source", "broken link", "possible duplicate", "pending", "stale")
OPEN = ("pending", "approved")  # the statuses a curator may still have to act on


@dataclass
class QueueItem:
    id: str
    title: str
    reason: str  # one of REASONS
    status: str
    path: str
    owners: list[str] = field(default_factory=list)  # curation.yml's owners of the entry's tags
    similar: list[dict] = field(default_factory=list)  # {id, title, score, marked}: merge candidates
    diff: str | None = None  # for "changed at source": the published text against the source's
    answer: dict = field(default_factory=dict)  # how the answer was chosen, and for a suggestion, why


def queue(root: Path, owner: str | None = None) -> list[QueueItem]:
    """Every open entry needing a curator, in id order; only `owner`'s when given."""
    entries = store.load_all(root)
    curation = config.load_curation(root)
    by_id = {entry.id: entry for entry in entries}
    overdue = {item.id for item in reports.stale(root, entries)}
    similar = duplicates.load(root)
    broken = linkcheck.by_entry(root)
    items = []
    for entry in entries:
        if entry.status not in OPEN:
            continue
        candidates = [
            {"id": other.id, "title": by_id[other.id].title, "score": other.score, "marked": other.marked}
            for other in similar.get(entry.id, []) if _still_open_pair(entry, by_id.get(other.id))
        ]
        proposal = pending_proposal(root, entry)
        reasons = {
            "deleted at source": gone_unseen(entry),
            "changed at source": proposal is not None,
            "broken link": entry.id in broken,
            "possible duplicate": any(c["marked"] or c["score"] >= curation.duplicate_threshold for c in candidates),
            "pending": entry.status == "pending",
            "stale": entry.id in overdue,
        }
        reason = next((name for name in REASONS if reasons[name]), None)
        if reason is None:
            continue
        owners = curation.owners_of(entry.tags)
        if owner and owner.casefold() not in (name.casefold() for name in owners):
            continue
        items.append(QueueItem(
            entry.id, entry.title, reason, entry.status, store.entry_path(root, entry.id).relative_to(root).as_posix(),
            owners, candidates, change_diff(entry, proposal) if proposal else None,
            {key: value for key, value in (entry.meta.get("answer") or {}).items() if key in ("how_chosen", "confidence", "why")},
        ))
    return items


def pending_proposal(root: Path, entry: Entry) -> Entry | None:
    """The source's newer version waiting beside the entry, unless it is one already decided."""
    proposal = store.read_if_exists(store.proposal_path(root, entry.id), root)
    if proposal is None:
        return None
    decided = (entry.meta["source"].get("fingerprint"), dismissed_fingerprint(entry))
    return None if proposal.meta["source"].get("fingerprint") in decided else proposal


def gone_unseen(entry: Entry) -> bool:
    """Deleted at source, and no curator has decided on the entry since."""
    return GONE_KEY in entry.meta and GONE_SEEN_KEY not in entry.meta


def change_diff(current: Entry, proposed: Entry) -> str:
    """A unified diff of what a reader sees: title, tags, then the text."""
    updated = str(proposed.meta["source"].get("updated_at") or "")[:10]
    label = f"at source, updated {updated}" if updated else "at source"
    return "".join(difflib.unified_diff(
        _readable(current), _readable(proposed), fromfile=f"{current.id} ({current.status})", tofile=label, n=2,
    ))


def _readable(entry: Entry) -> list[str]:
    lines = [f"title: {entry.title}", f"tags: {', '.join(entry.tags)}", "", *entry.body.strip().splitlines()]
    return [line + "\n" for line in lines]


def _still_open_pair(entry: Entry, other: Entry | None) -> bool:
    """Both still open, and no curator has said they are different questions."""
    return (
        other is not None and other.status in OPEN
        and other.id not in _distinct_ids(entry) and entry.id not in _distinct_ids(other)
    )


def _distinct_ids(entry: Entry) -> set[str]:
    return {item["id"] for item in entry.meta.get("distinct_from") or []}
