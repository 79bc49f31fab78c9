"""One harvest run: each source -> select -> render -> reconcile with content/; then the
duplicate check across everything harvested.

A source that fails is reported and the others still run; the run then fails as a whole, so
a nightly job goes red without losing what the healthy sources brought.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from harvester import config, duplicates, reconcile, store, templating
from harvester.errors import KbError
from harvester.lock import workspace_lock
from harvester.people import People
from harvester.redact import Redactor
from harvester.model import Resource
from harvester.render import harvested_entry, resource_entry
from harvester.select import best_answer
from harvester.sources import SOURCE_TYPES
from harvester.templating import markdown_text
from harvester.webpage import PageMetaCache
from harvester.workspace import STATE_DIR

OUTCOMES = ("new", "updated", "changed", "returned", "gone", "unchanged", "rejected", "skipped", "chatter", "excluded")


@dataclass
class SourceReport:
    name: str
    counts: Counter = field(default_factory=Counter)
    redacted: Counter = field(default_factory=Counter)  # by type; the values are never kept
    error: str | None = None  # why the source failed, if it did
    warnings: list[str] = field(default_factory=list)  # what went wrong without failing the source

    def summary(self) -> str:
        parts = [f"{self.counts[outcome]} {_label(outcome)}" for outcome in OUTCOMES if self.counts[outcome]]
        line = f"{self.name}: " + (", ".join(parts) if parts else "nothing found")
        if self.redacted:
            line += "; redacted " + ", ".join(f"{count} {kind}" for kind, count in sorted(self.redacted.items()))
        if self.warnings:
            line += f"; {len(self.warnings)} warning{'s' if len(self.warnings) > 1 else ''}"
        return line + ("; FAILED" if self.error else "")


@dataclass
class _Run:
    root: Path
    privacy: config.Privacy
    templates: jinja2.Environment
    dry_run: bool
    full: bool
    offline: bool  # no page fetched to fill a resource's title or description
    on_thread: Callable[[str, str], None] | None  # (source name, outcome), as each thread is stored


def run(root: Path, only: tuple[str, ...] = (), dry_run: bool = False, full: bool = False, offline: bool = False,
        on_source: Callable[[SourceReport], None] | None = None,
        on_thread: Callable[[str, str], None] | None = None,
        on_duplicates: Callable[[int], None] | None = None) -> list[SourceReport]:
    """Harvest the configured sources (or only the named ones); return a report per source.
    `on_duplicates` hears how many entries have a possible duplicate flagged.

    Raises KbError naming every failed source once all have run.
    """
    sources = _selected(config.load_sources(root), only)
    context = _Run(root, config.load_privacy(root), templating.environment(root), dry_run, full, offline, on_thread)
    reports = []
    with workspace_lock(root, "kb harvest"):
        if not dry_run:
            store.remove_orphaned_temp_files(root)
        for source in sources:
            report = _harvest_source(context, source)
            reports.append(report)
            if on_source:
                on_source(report)
        if not dry_run and (_changed_content(reports) or not (root / duplicates.DUPLICATES_FILE).is_file()):
            flagged = _refresh_duplicates(root)
            if on_duplicates:
                on_duplicates(flagged)
    failed = [report.error for report in reports if report.error]
    if failed:
        raise KbError("\n".join(failed))
    return reports


def _harvest_source(context: _Run, source: config.SourceConfig) -> SourceReport:
    report = SourceReport(source.name)
    redactor = Redactor(tuple(context.privacy.redact), tuple(context.privacy.allowlist),
                        context.privacy.phone_region, report.redacted)
    people = People.for_source(context.privacy, source)
    try:
        reader = SOURCE_TYPES[source.type](source.name, source.options)
        since = None if context.full else store.read_cursor(context.root, source.name)
        # Only resource sources name private hosts they may fetch pages from.
        pages = PageMetaCache(context.root / STATE_DIR / "cache" / "pages", getattr(source.options, "allow_hosts", []), context.offline)
        for item in reader.threads(since):
            if isinstance(item, Resource):
                outcome = _store_resource(context, source, item, pages, redactor, report)
            else:
                outcome = _store_thread(context, source, reader, item, people, redactor)
            report.counts[outcome] += 1
            if context.on_thread:
                context.on_thread(source.name, outcome)
        if reader.still_at_source is not None:
            report.counts["gone"] += reconcile.flag_gone(context.root, source.name, reader.still_at_source, context.dry_run)
        # Saved only now, after every entry it covers is written: a crash means redoing a
        # little, never skipping anything.
        if reader.cursor and not context.dry_run:
            store.write_cursor(context.root, source.name, reader.cursor)
    except KbError as exc:
        report.error = f'source "{source.name}": {exc}'
    return report


def _store_resource(context: _Run, source, resource: Resource, pages: PageMetaCache, redactor: Redactor,
                    report: SourceReport) -> str:
    if not (resource.title and resource.description):
        meta = pages.get(resource.url)
        if meta and meta.error:
            report.warnings.append(f"{resource.url}: title and description not filled ({meta.error})")
        elif meta:
            resource.title = resource.title or meta.title
            if not resource.description and meta.description:
                resource.description, resource.body_format = markdown_text(meta.description), "markdown"
    return reconcile.reconcile(context.root, resource_entry(source, resource, redactor), context.dry_run)


def _store_thread(context: _Run, source, reader, thread, people: People, redactor: Redactor) -> str:
    if people.is_excluded(thread.question.author):
        return "excluded"
    if not thread.is_question:
        return "chatter"
    thread.answers = [answer for answer in thread.answers if not people.is_excluded(answer.author)]
    choice = best_answer(thread, reader.min_answer_score)
    if choice is None:
        return "skipped"
    entry = harvested_entry(source, thread, choice, context.templates, people, redactor)
    return reconcile.reconcile(context.root, entry, context.dry_run)


def _changed_content(reports: list[SourceReport]) -> bool:
    return any(report.counts[outcome] for report in reports for outcome in ("new", "updated", "changed", "returned", "gone"))


def _refresh_duplicates(root: Path) -> int:
    """Score every open entry against the others; return how many have a pair to flag."""
    entries, _ = store.check_all(root)  # a broken file is kb check's to report, not a reason to stop
    entries = [entry for entry in entries if entry.status in ("pending", "approved") and entry.meta["kind"] != "playbook"]
    similar = duplicates.find_similar([duplicates.question_of(entry) for entry in entries])
    duplicates.save(root, similar)
    threshold = config.load_curation(root).duplicate_threshold
    return sum(1 for others in similar.values() if any(s.marked or s.score >= threshold for s in others))


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
        "returned": "back at source",
        "gone": "deleted at source (queued for review)",
        "rejected": "kept rejected",
        "skipped": "skipped (no answer to publish)",
        "chatter": "skipped (not questions: announcements, chatter)",
        "excluded": "left out (asked by someone who opted out)",
    }.get(outcome, outcome)
