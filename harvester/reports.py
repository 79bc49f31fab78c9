"""Reports over the content: which approved answers are due for a re-check."""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from harvester import config, store
from harvester.frontmatter import parse_days, parse_time
from harvester.model import Entry


@dataclass
class StaleEntry:
    id: str
    title: str
    last_checked: str  # when it was last verified, or approved if never verified
    due: str
    days_overdue: int
    path: str


def stale(root: Path, entries: list[Entry] | None = None, at: datetime | None = None) -> list[StaleEntry]:
    """Approved entries whose review interval has passed since they were last verified."""
    default_days = parse_days(config.load_curation(root).review_every)
    at = at or datetime.now(timezone.utc)
    found = []
    for entry in entries if entries is not None else store.load_all(root):
        if entry.status != "approved":
            continue
        checked = parse_time(entry.meta.get("verified_at") or entry.meta.get("reviewed_at") or "")
        if checked is None:
            continue  # approved by hand without a date: kb check reports the file instead
        due = checked + timedelta(days=parse_days(entry.meta.get("review_every", "")) or default_days)
        if due < at:
            found.append(StaleEntry(entry.id, entry.title, _iso(checked), _iso(due), (at - due).days,
                                    store.entry_path(root, entry.id).relative_to(root).as_posix()))
    return sorted(found, key=lambda item: -item.days_overdue)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
