"""One harvest run: each source -> select -> render -> reconcile with content/."""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from harvester import config, curate, store, templating
from harvester.errors import KbError
from harvester.lock import workspace_lock
from harvester.people import People
from harvester.redact import Redactor
from harvester.render import harvested_entry
from harvester.select import best_answer
from harvester.sources import SOURCE_TYPES

OUTCOMES = ("new", "updated", "changed", "unchanged", "rejected", "skipped", "excluded")


@dataclass
class SourceReport:
    name: str
    counts: Counter = field(default_factory=Counter)
    redacted: Counter = field(default_factory=Counter)  # by type; the values are never kept

    def summary(self) -> str:
        parts = [f"{self.counts[outcome]} {_label(outcome)}" for outcome in OUTCOMES if self.counts[outcome]]
        line = f"{self.name}: " + (", ".join(parts) if parts else "nothing found")
        if self.redacted:
            line += "; redacted " + ", ".join(f"{count} {kind}" for kind, count in sorted(self.redacted.items()))
        return line


def run(root: Path, only: tuple[str, ...] = (), dry_run: bool = False, full: bool = False,
        on_source=None) -> list[SourceReport]:
    """Harvest the configured sources (or only the named ones); return a report per source.

    `on_source(report)` is called as each source finishes, so the CLI can print as it goes.
    """
    sources = _selected(config.load_sources(root), only)
    privacy = config.load_privacy(root)
    templates = templating.environment(root)
    with workspace_lock(root, "kb harvest"):
        if not dry_run:
            store.remove_orphaned_temp_files(root)
        return [_run_source(root, source, privacy, templates, dry_run, full, on_source) for source in sources]


def _run_source(root, source, privacy, templates, dry_run, full, on_source) -> SourceReport:
    report = SourceReport(source.name)
    redactor = Redactor(tuple(privacy.redact), tuple(privacy.allowlist), privacy.phone_region, report.redacted)
    try:
        reader = SOURCE_TYPES[source.type](source.name, source.options)
        since = None if full else store.read_cursor(root, source.name)
        _harvest_source(root, reader, since, source, templates, People.for_source(privacy, source), redactor, report, dry_run)
        # Saved only now, after every entry it covers is written: a crash means redoing a
        # little, never skipping anything.
        if reader.cursor and not dry_run:
            store.write_cursor(root, source.name, reader.cursor)
    except KbError as exc:
        raise KbError(f'source "{source.name}": {exc}') from None
    if on_source:
        on_source(report)
    return report


def _harvest_source(root, reader, since, source, templates, people: People, redactor: Redactor,
                    report: SourceReport, dry_run: bool) -> None:
    for thread in reader.threads(since):
        if people.is_excluded(thread.question.author):
            report.counts["excluded"] += 1
            continue
        thread.answers = [answer for answer in thread.answers if not people.is_excluded(answer.author)]
        choice = best_answer(thread, reader.min_answer_score)
        if choice is None:
            report.counts["skipped"] += 1
            continue
        entry = harvested_entry(source, thread, choice, templates, people, redactor)
        report.counts[curate.reconcile(root, entry, dry_run)] += 1


def _selected(sources: list[config.SourceConfig], only: tuple[str, ...]) -> list[config.SourceConfig]:
    if not only:
        return sources
    known = {source.name for source in sources}
    unknown = [name for name in only if name not in known]
    if unknown:
        raise KbError(f"{config.SOURCES_FILE}: no source named {', '.join(repr(n) for n in unknown)}"
                      f" (configured: {', '.join(sorted(known)) or 'none'})")
    return [source for source in sources if source.name in only]


def _label(outcome: str) -> str:
    return {
        "changed": "changed at source (queued for review)",
        "rejected": "kept rejected",
        "skipped": "skipped (no answer to publish)",
        "excluded": "left out (asked by someone who opted out)",
    }.get(outcome, outcome)
