"""The stats page: what the knowledge base holds and how it grows. Its charts are drawn at
build time as static SVG by matplotlib: no script, and text drawn as shapes, so no font
is fetched. Each chart is followed by its numbers as a table, for screen readers and for
anyone who wants the exact figures."""

import io
from collections import Counter
from datetime import datetime

import jinja2

from harvester.model import Entry

STATS_PAGE = "stats.md"
CHARTS_DIR = "stats"
TOP = 10  # tags and contributors shown
TOP_OVER_TIME = 5  # tags followed month by month
# Time from question to chosen answer, in the buckets a reader thinks in.
_WAITS = [(1, "under an hour"), (24, "1 to 24 hours"), (24 * 7, "1 to 7 days"), (24 * 28, "1 to 4 weeks"),
          (float("inf"), "over 4 weeks")]


def stats_pages(entries: list[Entry], statuses: dict[str, int], stale: int, contributors: list[tuple[str, int]],
                templates: jinja2.Environment) -> dict[str, str]:
    """stats.md and its charts under stats/; `contributors` is [(name, answers)], most first."""
    by_year_source = Counter((_asked(entry)[:4], _source(entry)) for entry in entries if _asked(entry))
    by_month_source = Counter((_asked(entry)[:7], _source(entry)) for entry in entries if _asked(entry))
    tags = Counter(tag for entry in entries for tag in entry.tags).most_common(TOP)
    waits = Counter(_wait_bucket(entry) for entry in entries)
    waits.pop(None, None)
    top_people = contributors[:TOP]
    sources = sorted({source for _, source in by_month_source})
    followed = [tag for tag, _ in tags[:TOP_OVER_TIME]]
    tagged = [(_asked(entry), tag) for entry in entries if _asked(entry) for tag in entry.tags if tag in followed]
    by_month_tag = Counter((asked[:7], tag) for asked, tag in tagged)
    by_year_tag = Counter((asked[:4], tag) for asked, tag in tagged)
    charts = {
        "entries-by-month.svg": _stacked_months(by_month_source, sources, "questions asked"),
        "top-tags.svg": _bars(tags, "entries"),
        "tags-by-month.svg": _stacked_months(by_month_tag, followed, "questions tagged"),
        "time-to-answer.svg": _bars([(label, waits[label]) for _, label in _WAITS], "entries"),
        "top-contributors.svg": _bars(top_people, "answers"),
    }
    pages = {f"{CHARTS_DIR}/{name}": svg for name, svg in charts.items() if svg}
    years = sorted({year for year, _ in by_year_source})
    pages[STATS_PAGE] = templates.get_template("pages/stats.md.j2").render(
        total=len(entries), statuses=sorted(statuses.items()), stale=stale,
        sources=sources, years=[(year, [by_year_source[(year, s)] for s in sources]) for year in years],
        followed=followed, tag_years=[(year, [by_year_tag[(year, tag)] for tag in followed]) for year in years],
        tags=tags, waits=[(label, waits[label]) for _, label in _WAITS], people=top_people,
        charts={name: f"{CHARTS_DIR}/{name}" for name in charts if charts[name]},
    )
    return pages


def _asked(entry: Entry) -> str:
    return str((entry.meta.get("question") or {}).get("asked_at") or "")


def _source(entry: Entry) -> str:
    return str((entry.meta.get("source") or {}).get("name") or entry.id.split(":", 1)[0])


def _wait_bucket(entry: Entry) -> str | None:
    asked, answered = _asked(entry), str((entry.meta.get("answer") or {}).get("answered_at") or "")
    if not asked or not answered:
        return None
    hours = (datetime.fromisoformat(answered) - datetime.fromisoformat(asked)).total_seconds() / 3600
    return next(label for limit, label in _WAITS if hours < limit)


def _figure():
    import matplotlib  # imported here: only a build draws charts

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    # Ids from a fixed salt and no date: the same data draws the same file, so an unchanged
    # site rewrites no chart. Text as paths: the chart needs no font on the reader's side.
    plt.rcParams.update({"svg.hashsalt": "kb", "svg.fonttype": "path", "font.size": 9})
    return plt


def _whole_numbers():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)  # counts: no "0.5 entries" tick


def _save(plt, figure) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    return out.getvalue()


def _bars(rows: list[tuple[str, int]], unit: str) -> str | None:
    if not rows:
        return None
    plt = _figure()
    figure, axes = plt.subplots(figsize=(6, 0.3 * len(rows) + 0.8))
    labels = [label for label, _ in rows][::-1]
    axes.barh(labels, [value for _, value in rows][::-1], color="#3f51b5")
    axes.set_xlabel(unit)
    axes.xaxis.set_major_locator(_whole_numbers())
    axes.spines[["top", "right"]].set_visible(False)
    return _save(plt, figure)


def _stacked_months(counts: Counter, series: list[str], unit: str) -> str | None:
    months = sorted({month for month, _ in counts})
    if not months:
        return None
    plt = _figure()
    figure, axes = plt.subplots(figsize=(7, 3))
    bottom = [0] * len(months)
    for name in series:
        values = [counts[(month, name)] for month in months]
        axes.bar(months, values, bottom=bottom, label=name)
        bottom = [low + value for low, value in zip(bottom, values)]
    step = max(1, len(months) // 12)
    axes.set_xticks(range(0, len(months), step), months[::step], rotation=45, ha="right")
    axes.set_ylabel(unit)
    axes.yaxis.set_major_locator(_whole_numbers())
    axes.legend(frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return _save(plt, figure)
