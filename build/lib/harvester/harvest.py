"""One harvest run: each source -> select -> render -> reconcile with content/."""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from harvester import config, curate, templating
from harvester.errors import KbError
from harvester.render import harvested_entry
from harvester.select import best_answer
from harvester.sources import SOURCE_TYPES

OUTCOMES = ("new", "updated", "changed", "unchanged", "rejected", "skipped")


@dataclass
class SourceReport:
    name: str
    counts: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        parts = [f"{self.counts[outcome]} {_label(outcome)}" for outcome in OUTCOMES if self.counts[outcome]]
        return f"{self.name}: " + (", ".join(parts) if parts else "nothing found")


def run(root: Path, only: tuple[str, ...] = (), dry_run: bool = False, on_source=None) -> list[SourceReport]:
    """Harvest the configured sources (or only the named ones); return a report per source.

    `on_source(report)` is called as each source finishes, so the CLI can print as it goes.
    """
    sources = _selected(config.load_sources(root), only)
    templates = templating.environment(root)
    reports = []
    for source in sources:
        report = SourceReport(source.name)
        try:
            _harvest_source(root, source, templates, report, dry_run)
        except KbError as exc:
            raise KbError(f'source "{source.name}": {exc}') from None
        reports.append(report)
        if on_source:
            on_source(report)
    return reports


def _harvest_source(root, source, templates, report: SourceReport, dry_run: bool) -> None:
    reader = SOURCE_TYPES[source.type](source.name, source.options)
    min_answer_score = getattr(source.options, "min_answer_score", None)
    for thread in reader.threads():
        choice = best_answer(thread, min_answer_score)
        if choice is None:
            report.counts["skipped"] += 1
            continue
        entry = harvested_entry(source, thread, choice, templates)
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
    }.get(outcome, outcome)
