"""kb review: the queue one entry at a time, each decided with a key.

At a terminal a key is a single keypress; on a pipe it is one line (its first letter), so a
script or a test can drive a whole session. Each decision is taken at once through the same
functions as the one-shot commands, so quitting half way keeps everything decided so far.
"""

import sys
import textwrap
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click

from harvester import curate, store
from harvester.errors import KbError
from harvester.model import ANSWER_LABELS, Entry, split_body
from harvester.reconcile import GONE_KEY
from harvester.review_queue import REASONS, QueueItem, queue

PREVIEW_LINES = 12  # of the question and of the answer; kb edit shows everything

# key: (label in the menu, statuses it applies to, reasons it is offered for; None = any)
ACTIONS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...] | None]] = {
    "a": ("[a]pprove", ("pending",), None),
    "v": ("[v]erify", ("approved",), None),
    "u": ("[u]se the source's change", ("pending", "approved"), ("changed at source",)),
    "k": ("[k]eep the current text", ("pending", "approved"), ("changed at source",)),
    "m": ("[m]erge into…", ("pending", "approved"), None),
    "n": ("[n]ot a duplicate", ("pending", "approved"), ("possible duplicate",)),
    "r": ("[r]eject", ("pending",), None),
    "x": ("[x] archive", ("approved",), None),
    "e": ("[e]dit", ("pending", "approved"), None),
    "t": ("[t]ags", ("pending", "approved"), None),
    "s": ("[s]kip", ("pending", "approved"), None),
    "q": ("[q]uit", ("pending", "approved"), None),
}
FINAL = {"a": "approved", "v": "verified", "u": "updated", "k": "kept", "m": "merged", "r": "rejected", "x": "archived"}


class Keys:
    """Where answers come from: a terminal (single keypresses) or a pipe (one per line)."""

    def __init__(self, interactive: bool, editor: Callable[[str], str | None]):
        self.interactive = interactive
        self.editor = editor

    def key(self, menu: str) -> str:
        click.echo(menu + " ", nl=False)
        if self.interactive:
            pressed = click.getchar()
            click.echo(pressed)
            return pressed.lower()
        line = sys.stdin.readline()
        click.echo(line.strip())
        return line.strip()[:1].lower() if line else "q"  # the script ran out: stop

    def text(self, prompt: str, default: str | None = None) -> str:
        if self.interactive:
            return click.prompt(prompt, default=default or "", show_default=bool(default)).strip()
        click.echo(f"{prompt}{f' [{default}]' if default else ''}: ", nl=False)
        line = sys.stdin.readline().strip()
        click.echo(line)
        return line or (default or "")


@dataclass
class Session:
    root: Path
    keys: Keys
    by: str
    decided: Counter = field(default_factory=Counter)

    def run(self, owner: str | None = None) -> Counter:
        items = sorted(queue(self.root, owner), key=lambda item: (REASONS.index(item.reason), item.id))
        for number, item in enumerate(items, 1):
            if self._review(item, f"[{number}/{len(items)}]") == "q":
                break
        return self.decided

    def _review(self, item: QueueItem, position: str) -> str:
        """Show the item and act on keys until one moves on; return the last key."""
        while True:
            entry = store.read(store.entry_path(self.root, item.id), self.root)
            show(item, entry, position)
            offered = {key: label for key, (label, statuses, reasons) in ACTIONS.items()
                       if entry.status in statuses and (reasons is None or item.reason in reasons)}
            key = self.keys.key(" ".join(offered.values()) + "?")
            if key not in offered:
                click.echo(f"No action on {key!r} here.")
                continue
            if key in ("s", "q"):
                return key
            try:
                done = self._act(key, item)
            except KbError as exc:
                click.echo(str(exc), err=True)
                continue
            if done:
                self.decided[FINAL[key]] += 1
                return key
            refreshed = [fresh for fresh in queue(self.root) if fresh.id == item.id]
            if not refreshed:  # an edit or retag settled it
                return key
            item = refreshed[0]

    def _act(self, key: str, item: QueueItem) -> bool:
        """Take the action; True when it settles the entry, False when it stays in review."""
        root, ids, by = self.root, [item.id], self.by
        if key == "a":
            curate.approve(root, ids, False, by)
        elif key == "v":
            curate.verify(root, ids, by, None)
        elif key == "u":
            curate.accept(root, ids, by)
        elif key == "k":
            curate.dismiss(root, ids, by)
        elif key in ("r", "x"):
            reason = self.keys.text("Reason (kept in the entry)")
            if not reason:
                click.echo("Nothing done: a reason is needed.")
                return False
            (curate.reject if key == "r" else curate.archive)(root, ids, reason, by)
        elif key == "m":
            target = self.keys.text("Merge into entry", default=_top_candidate(item))
            curate.merge(root, item.id, target, by)
        elif key == "n":
            curate.distinct(root, item.id, self.keys.text("Not a duplicate of", default=_top_candidate(item)), by)
            self.decided["kept apart"] += 1
            return False
        elif key == "t":
            tags = curate.retag(root, item.id, self.keys.text("Tag changes (+add -remove)").split(), by)
            click.echo(f"Tags now: {', '.join(tags) or 'none'}")
            return False
        elif key == "e":
            original = curate.read_for_edit(root, item.id)
            edited = self.keys.editor(original)
            saved = edited is not None and curate.save_edit(root, item.id, original, edited, by)
            click.echo("Saved your edit." if saved else "No change.")
            return False
        return True


def show(item: QueueItem, entry: Entry, position: str) -> None:
    """The entry as a curator needs it to decide."""
    answer = entry.meta.get("answer") or {}
    source = entry.meta.get("source") or {}
    how = answer.get("how_chosen", "")
    why = ANSWER_LABELS.get(how, "Answer")
    if how == "suggested" and answer.get("confidence") is not None:
        why += f" (confidence {answer['confidence']})"
    if answer.get("why"):
        why += f": {answer['why']}"
    question, answer_text = split_body(entry.body)
    click.echo("")
    click.secho(f"{position} {item.id} · {item.reason} · {entry.status}", bold=True)
    click.secho(entry.title, bold=True)
    facts = [f"Tags: {', '.join(entry.tags) or 'none'}", why if entry.meta.get("kind") == "faq" else entry.meta.get("kind", "")]
    if item.owners:
        facts.append(f"Owners: {', '.join(item.owners)}")
    click.echo(" · ".join(facts))
    if source.get("url"):
        click.echo(f"Source: {source['url']}" + (" (deleted there)" if GONE_KEY in entry.meta else ""))
    resource = entry.meta.get("resource") or {}
    if entry.meta.get("kind") == "resource":
        curator = f" (recommended by {resource['curator']})" if resource.get("curator") else ""
        click.echo(f"\nLink: {resource.get('url', '')}{curator}\n" + _preview(question))
    else:
        click.echo("\nQuestion:\n" + _preview(question))
        click.echo(f"\n{ANSWER_LABELS.get(how, 'Answer')}{' by ' + answer['author'] if answer.get('author') else ''}:")
        click.echo(_preview(answer_text))
    if item.similar:
        click.echo("\nSimilar entries:")
        for other in item.similar:
            mark = ", closed as a duplicate at source" if other["marked"] else ""
            click.echo(f"  {other['id']}  {other['title']}  ({other['score']:.2f}{mark})")
    if item.diff:
        click.echo("\nChanged at source:")
        for line in item.diff.splitlines():
            color = "green" if line.startswith("+") else "red" if line.startswith("-") else None
            click.secho("  " + line, fg=color)


def _preview(text: str) -> str:
    lines = text.strip().splitlines() or ["(empty)"]
    shown = lines[:PREVIEW_LINES] + ([f"… {len(lines) - PREVIEW_LINES} more lines (e to read all)"] if len(lines) > PREVIEW_LINES else [])
    return textwrap.indent("\n".join(shown), "  ")


def _top_candidate(item: QueueItem) -> str | None:
    return item.similar[0]["id"] if item.similar else None
