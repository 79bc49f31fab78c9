"""What curators decide: each action is checked whole, taken under the workspace lock, and
recorded in the entry's front matter (who, when, why), so it shows as a small git diff."""

from pathlib import Path

from harvester import frontmatter, store, templating
from harvester.errors import KbError
from harvester.frontmatter import parse_days
from harvester.lock import workspace_lock
from harvester.model import Entry, now_iso, split_body, split_other_answers
from harvester.reconcile import GONE_KEY, GONE_SEEN_KEY, HARVESTED_KEYS
from harvester.review_queue import pending_proposal
from harvester.workspace import STATE_DIR

EDITS_DIR = f"{STATE_DIR}/edits"  # a curator's edit that could not be saved waits here

def approve(root: Path, ids: list[str], approve_all: bool, by: str) -> list[str]:
    """Approve the given pending entries (or all of them, except suggested answers: a guess from
    chat is published only when a curator names it); return the ids approved."""
    return _act(root, "approve", ids, ("pending",), lambda entry: _stamp(entry, "approved", by), every=approve_all)


def suggested_pending(root: Path) -> list[str]:
    """Pending entries whose answer is a suggestion: `approve --all` leaves them for review."""
    return [entry.id for entry in store.load_all(root) if entry.status == "pending" and _suggested(entry)]


def _suggested(entry: Entry) -> bool:
    return (entry.meta.get("answer") or {}).get("how_chosen") == "suggested"


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
        entry.meta["verified_at"] = now_iso()
        _settle_gone(entry, by)
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
        entry.meta.update(tags=tags, edited_by=by, edited_at=now_iso())

    _act(root, "tag", [entry_id], ("pending", "approved", "archived"), apply)
    return tags


def accept(root: Path, ids: list[str], by: str) -> list[str]:
    """Take the source's newer version of each entry; curation keys and merged answers stay."""
    return _decide_change(root, "accept", ids, by)


def dismiss(root: Path, ids: list[str], by: str) -> list[str]:
    """Keep each entry's current text; that source version is never proposed again."""
    return _decide_change(root, "dismiss", ids, by)


def _decide_change(root: Path, action: str, ids: list[str], by: str) -> list[str]:
    with workspace_lock(root, f"kb {action}"):
        entries = _pick(root, ids, False, allowed=("pending", "approved"), action=action)
        proposals = {entry.id: pending_proposal(root, entry) for entry in entries}
        waiting_for_nothing = [entry_id for entry_id, proposal in proposals.items() if proposal is None]
        if waiting_for_nothing:
            raise KbError("\n".join(f'kb {action}: "{entry_id}" has no change from its source waiting' for entry_id in waiting_for_nothing))
        for entry in entries:
            proposal = proposals[entry.id]
            decision = {"decision": f"{action}ed", "fingerprint": proposal.meta["source"]["fingerprint"], "by": by, "at": now_iso()}
            if action == "accept":
                _take_source_version(root, entry, proposal)
            entry.meta["source_change"] = decision
            # The entry first, then the proposal: a crash in between leaves a proposal the
            # queue already knows is decided.
            store.write(root, entry)
            store.proposal_path(root, entry.id).unlink(missing_ok=True)
    return [entry.id for entry in entries]


def _take_source_version(root: Path, entry: Entry, proposal: Entry) -> None:
    curated = {key: value for key, value in entry.meta.items() if key not in HARVESTED_KEYS}
    merged = [store.read_if_exists(store.entry_path(root, merged_id), root) for merged_id in curated.get("merged", [])]
    if not merged:  # the source's text replaces the curator's edit, by the curator's choice
        curated = {key: value for key, value in curated.items() if key not in ("edited_by", "edited_at")}
    entry.meta = {**proposal.meta, **curated}
    entry.body = proposal.body
    for duplicate in filter(None, merged):  # answers merged in are curators' work: carried over
        entry.body = _with_merged_answer(root, entry.body, duplicate)


def merge(root: Path, entry_id: str, into: str, by: str) -> None:
    """Fold one entry into another: its answer is appended to the target, it is archived as a
    duplicate, and the site redirects its page to the target's."""
    if entry_id == into:
        raise KbError(f'kb merge: "{entry_id}" cannot be merged into itself')
    with workspace_lock(root, "kb merge"):
        duplicate, target = _pick(root, [entry_id, into], False, allowed=("pending", "approved"), action="merge")
        if duplicate.id not in target.meta.get("merged", []):  # a rerun after a crash adds nothing twice
            target.body = _with_merged_answer(root, target.body, duplicate)
            target.meta["merged"] = [*target.meta.get("merged", []), duplicate.id]
            target.meta.update(edited_by=by, edited_at=now_iso())
        _stamp(duplicate, "archived", by)
        duplicate.meta.update(archived_reason=f"merged into {target.id}", duplicate_of=target.id)
        store.write(root, target)
        store.write(root, duplicate)


def _with_merged_answer(root: Path, body: str, duplicate: Entry) -> str:
    question, answer = split_body(duplicate.body)
    section = templating.environment(root).get_template("merged.md.j2").render(
        title=duplicate.title, answer=answer or question, source_url=(duplicate.meta.get("source") or {}).get("url"),
    )
    # Before the target's other answers: a merged answer is part of the answer search indexes.
    head, others = split_other_answers(body)
    return f"{head.rstrip()}\n\n{section.strip()}\n" + (f"\n{others}" if others else "")


def distinct(root: Path, entry_id: str, other_id: str, by: str) -> None:
    """Record that two entries a similarity check paired are different questions."""
    if entry_id == other_id:
        raise KbError(f'kb distinct: name two different entries, got "{entry_id}" twice')

    def record(entry: Entry) -> None:
        kept = [item for item in entry.meta.get("distinct_from", []) if item.get("id") != other_id]
        entry.meta["distinct_from"] = [*kept, {"id": other_id, "by": by, "at": now_iso()}]

    with workspace_lock(root, "kb distinct"):
        entry, _ = _pick(root, [entry_id, other_id], False, allowed=("pending", "approved", "archived"), action="distinct")
        record(entry)
        store.write(root, entry)


def read_for_edit(root: Path, entry_id: str) -> str:
    """The entry file's text, to hand to an editor; `save_edit` takes it back."""
    entry, = _pick(root, [entry_id], False, allowed=("pending", "approved", "archived"), action="edit")
    return store.entry_path(root, entry.id).read_text(encoding="utf-8")


def save_edit(root: Path, entry_id: str, original: str, edited: str, by: str) -> bool:
    """Store a curator's edit of the text `read_for_edit` gave; False when nothing changed.

    An edit that is not a valid entry, or was made while someone else changed the file, is
    refused, and kept under .kb/edits/ so no typing is lost.
    """
    path = store.entry_path(root, entry_id)
    where = path.relative_to(root).as_posix()
    entry, problems = frontmatter.loads(edited, where)
    if entry is not None and entry.id != entry_id:
        problems = [f'{where}: the id must stay "{entry_id}", got "{entry.id}"']
    with workspace_lock(root, "kb edit"):
        if not problems and path.read_text(encoding="utf-8") != original:
            problems = [f"{where}: changed while you were editing it (a harvest or another curator)"]
        if problems:
            kept = root / EDITS_DIR / path.relative_to(root / store.CONTENT_DIR)
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_text(edited, encoding="utf-8")
            raise KbError("\n".join([*problems, f"Nothing was saved; your text is kept in {kept.relative_to(root).as_posix()}"]))
        before, _ = frontmatter.loads(original, where)
        if before is not None and (before.meta, before.body) == (entry.meta, entry.body):
            return False
        entry.meta.update(edited_by=by, edited_at=now_iso())
        store.write(root, entry)
    return True


def _pick(root: Path, ids: list[str], every: bool, allowed: tuple[str, ...], action: str) -> list[Entry]:
    if every:
        return [entry for entry in store.load_all(root) if entry.status == "pending" and not _suggested(entry)]
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
    entry.meta["reviewed_at"] = now_iso()
    _settle_gone(entry, by)


def _settle_gone(entry: Entry, by: str) -> None:
    """A decision on an entry flagged as deleted at source answers the flag."""
    if GONE_KEY in entry.meta:
        entry.meta[GONE_SEEN_KEY] = by
