"""Build a site of N generated entries with kb, then the same pages with stock Material for MkDocs.

Usage: python benchmarks/build_scale.py N [--no-stock] [--keep DIR]

Entries are remixed from the real Stack Exchange dumps (see generated_entries.py). Measured for
`kb build`: wall time and CPU time (every process of the build, Pagefind's too), and in a second
run, peak memory of the whole process tree (summed Pss, sampled every 50 ms), site size, median
entry page, search index; then a rebuild after one entry changed (and whether a search for the
word it gained finds it); then, in headless Chromium, the bytes a search transfers, for a word
of each of the first titles and for three (the median and the largest), and the search bytes an
entry page fetches (text gzipped, as static hosts serve it; Pagefind's own files come compressed).
Unless --no-stock, the Markdown tree kb laid out is built again by
`mkdocs build` with the stock search plugin, and measured the same way.
"""

import argparse
import functools
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import yaml

from generated_entries import SOURCE, generate

REPO = Path(__file__).resolve().parent.parent
FULL_BUILD = ("full build s", "full build CPU s", "full build peak MiB")  # run_measured's figures
QUERIES = 9  # queries of each kind whose bytes are measured, from as many titles
NEW_WORD = "zorbliquantic"  # made up: in no dump, added to one entry before the rebuild
STOP_WORDS = ("a an and are as at be but by can do does for from how i if in is it of on or the to what "
              "when where which who why with without you your my we this that there using use")
STOP = frozenset(STOP_WORDS.split())


def run_measured(args: list[str], cwd: Path | None, again: Callable[[], None]) -> tuple[float, float, float]:
    """(seconds, CPU seconds, peak MiB of the memory of the process and all its descendants
    together), the first two from a run left alone; `again()` then puts back what it started
    from, and a second run is sampled every 50 ms for the third. The CPU time bounds what the
    cores can do: two cannot take a build below half of it. Reading a process's Pss makes the
    kernel walk its memory, and the process pays for it: sampled so, 20,000-entry builds took
    16 s longer (kb 121.7 s -> 137.9 s, stock 130.5 s -> 146.3 s), while sampling less often
    missed stock's peak, which lasts under half a second."""
    seconds, cpu, _ = _run(args, cwd, sampled=False)
    again()
    _, _, peak = _run(args, cwd, sampled=True)
    return seconds, cpu, peak


def _run(args: list[str], cwd: Path | None, sampled: bool) -> tuple[float, float, float]:
    # The disk first takes what earlier steps left to write: a rebuild measured right after a
    # full build of 400 MB otherwise waits on that build's writes, by several seconds.
    os.sync()
    # Each process's CPU time is added to its parent's children's when the parent waits for
    # it: the build's own processes and Pagefind all end up in this process's.
    used_before = _children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while sampled and process.poll() is None:
        peak = max(peak, tree_rss_kib(process.pid))
        time.sleep(0.05)
    process.wait()
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{process.stderr.read().decode()}")
    return elapsed, _children_cpu() - used_before, peak / 1024


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def tree_rss_kib(pid: int) -> int:
    """Summed proportional set size (Pss) of a process tree: memory the forked renderers still
    share with their parent is counted once, not once per process as summed VmRSS would."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            total += int(re.search(r"^Pss:\s+(\d+)", rollup, re.MULTILINE).group(1))
            for children in Path(f"/proc/{current}/task").glob("*/children"):
                pending.extend(int(child) for child in children.read_text().split())
        except (OSError, AttributeError):  # gone meanwhile, or a zombie without VmRSS
            continue
    return total


def site_figures(site: Path, index: Path) -> dict:
    """Size and files of the site and of its search index (a folder or one file); median entry page."""
    def sizes(paths) -> list[int]:
        return [path.stat().st_size for path in paths if path.is_file()]

    every, pages = sizes(site.rglob("*")), sizes((site / "entries").rglob("index.html"))
    search = sizes(index.rglob("*") if index.is_dir() else [index])
    return {"site MiB": sum(every) / 2**20, "site files": len(every),
            "median entry page KiB": statistics.median(pages or [0]) / 1024,
            "search index MiB": sum(search) / 2**20, "search index files": len(search)}


def rebuild_figures(args: list[str], cwd: Path | None, site: Path, markdown: Path, word: str) -> dict:
    """Append a sentence with `word` to a Markdown file (an entry's answer ends the file), build
    again: time, peak memory, and how many files of the site were written (by the timed run)."""
    def snapshot() -> dict[Path, tuple[int, int]]:
        return {path: (path.stat().st_mtime_ns, path.stat().st_size) for path in site.rglob("*") if path.is_file()}

    def change() -> None:
        markdown.write_text(markdown.read_text(encoding="utf-8").rstrip("\n") + f" This also holds for the {word} setting.\n",
                            encoding="utf-8")

    def count_then_change_again() -> None:
        after.update(snapshot())
        change()

    before, after = snapshot(), {}
    change()
    seconds, cpu, peak = run_measured(args, cwd, count_then_change_again)
    written = sum(after.get(path) != stamp for path, stamp in before.items()) + len(after.keys() - before.keys())
    return {"rebuild s": seconds, "rebuild CPU s": cpu, "rebuild peak MiB": peak, "files written by rebuild": written}


def browser_figures(site: Path, queries: dict[str, list[str]], entry_url: str, probe: tuple[str, str] | None = None) -> dict:
    """Bytes each query of each kind in `queries` moves on the search page, each in a fresh
    browser context (no cache): the median and the largest; the search bytes an entry page
    fetches; with `probe` (word, page), prints whether searching the word finds the page."""
    # The tests' Debian Chromium (never a downloaded one) and quiet threaded server.
    sys.path.insert(0, str(REPO / "tests"))
    from browser import CompressingHandler, chromium, serving

    def search_bytes(page, url: str, ready=None) -> tuple[int, int]:
        finished = []
        page.on("requestfinished", lambda request: finished.append(request))
        page.goto(url)
        if ready:
            page.wait_for_selector(ready, timeout=120_000)
        page.wait_for_load_state("networkidle")
        hits = [r for r in finished if "/pagefind/" in r.url or r.url.endswith("search_index.json")]
        return sum(map(transferred, hits)), len(hits)

    def fresh_page(browser):
        context = browser.new_context()
        context.route(re.compile(r"^(?!http://127\.0\.0\.1)"), lambda route: route.abort())  # nothing from the internet
        return context.new_page()

    figures = {}
    with chromium() as browser, serving(site, CompressingHandler) as base:
        for kind, asked in queries.items():
            measured = [search_bytes(fresh_page(browser), f"{base}search/?q={quote(query)}", "[data-search-results] a")
                        for query in asked]
            sizes = [size for size, _ in measured]
            figures[f"{kind} query KiB, median of {len(asked)}"] = statistics.median(sizes) / 1024
            figures[f"{kind} query KiB, largest"] = max(sizes) / 1024
            figures[f"{kind} query requests, median"] = statistics.median(count for _, count in measured)
        if probe:
            page = fresh_page(browser)
            page.goto(f"{base}search/")
            found = page.evaluate("""async ([word]) => { await window.kbSearch.ready;
                return (await window.kbSearch.run(word, {}, 5)).map(r => new URL(r.url, location.href).pathname); }""",
                                  [probe[0]])
            print(f"search for {probe[0]!r} after the rebuild finds {probe[1]}: {'/' + probe[1] in found}")
        size, count = search_bytes(fresh_page(browser), base + entry_url)
        figures["entry page search KiB"], figures["entry page search requests"] = size / 1024, count
    return figures


def transferred(request) -> int:
    """Bytes received for one request; Chromium reports a worker's own script as 0, so then
    the response's Content-Length (the server sends it, for the bytes it sent)."""
    sizes = request.sizes()
    body = sizes["responseBodySize"]
    if not body and (response := request.response()):
        body = int(response.headers.get("content-length", 0))
    return body + sizes["responseHeadersSize"]


def stock_project(root: Path, folder: Path) -> None:
    """A plain Material for MkDocs project with the pages kb laid out, entries out of nav."""
    shutil.copytree(root / ".kb" / "pages", folder / "docs")
    for page in (folder / "docs").glob("*.md"):  # kb's own search page needs kb's theme overrides
        if re.search(r"^template:", page.read_text(encoding="utf-8").split("\n---", 1)[0], re.MULTILINE):
            page.unlink()
    workspace = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    config = {"site_name": workspace.get("site_name", "Knowledge base"), "theme": {"name": "material"},
              "plugins": ["search"], "markdown_extensions": workspace.get("markdown_extensions", []),
              "nav": ["index.md", "tags/index.md"]}
    (folder / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def kb(*args: str) -> list[str]:
    return [sys.executable, "-m", "harvester", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--no-stock", action="store_true", help="skip the stock Material for MkDocs build")
    parser.add_argument("--keep", type=Path, help="build in this folder (kept) instead of a temp one")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = (options.keep or Path(tmp) / "ws").resolve()
        if subprocess.run(kb("init", str(root)), check=False, stdout=subprocess.DEVNULL).returncode:
            raise SystemExit(1)  # kb said why (an existing workspace, for --keep)
        started = time.perf_counter()
        made = generate(root, options.n)
        print(f"generated {options.n} entries in {time.perf_counter() - started:.1f} s")
        results = {"kb": measure_kb(root, made)}
        if not options.no_stock:
            results["stock"] = measure_stock(root, Path(tmp) / "stock")
    print_table(options.n, results)


def measure_kb(root: Path, made: list[tuple[str, str]]) -> dict:
    site, build = root / "site", kb("build", "--root", str(root))

    def as_generated() -> None:  # what kb build makes, site and derived state, gone
        shutil.rmtree(site)
        shutil.rmtree(root / ".kb" / "pages")
        for derived in ("front-matter.json", "layout.json"):
            (root / ".kb" / derived).unlink()

    figures = dict(zip(FULL_BUILD, run_measured(build, None, as_generated)))
    index = site / "pagefind" if (site / "pagefind").is_dir() else site / "search" / "search_index.json"
    print(f"kb search index: {index.relative_to(root)}")
    figures.update(site_figures(site, index))
    k = len(made) // 2 + 1
    page = site / "entries" / SOURCE / str(k) / "index.html"
    page_before = page.read_bytes()
    figures.update(rebuild_figures(build, None, site, root / "content" / SOURCE / f"{k}.md", NEW_WORD))
    print(f"rebuild: entry {SOURCE}:{k} page changed: {page.read_bytes() != page_before}, "
          f"has the new word {NEW_WORD!r}: {NEW_WORD.encode() in page.read_bytes()}")
    # Words of each of the first titles: some rare, some common, as people search.
    title_words = [[word.lower() for word in re.findall(r"[A-Za-z]{5,}", title) if word.lower() not in STOP] or ["qubit"]
                   for _, title in made[:QUERIES]]
    queries = {"one-word": list(dict.fromkeys(words[0] for words in title_words)),
               "three-word": list(dict.fromkeys(" ".join(words[:3]) for words in title_words if len(words) >= 3))}
    if (site / "search" / "index.html").is_file():
        for kind, asked in queries.items():
            print(f"{kind} queries: {', '.join(asked)}")
    else:
        print("no search/index.html yet: bytes per query n/a")
        queries = {}
    return figures | browser_figures(site, queries, f"entries/{SOURCE}/1/", (NEW_WORD, f"entries/{SOURCE}/{k}/"))


def measure_stock(root: Path, project: Path) -> dict:
    """The same pages, built by `mkdocs build` with stock Material and its search plugin."""
    stock_project(root, project)
    site, build = project / "site", [sys.executable, "-m", "mkdocs", "build", "-q"]
    figures = dict(zip(FULL_BUILD, run_measured(build, project, functools.partial(shutil.rmtree, site))))
    figures.update(site_figures(site, site / "search" / "search_index.json"))
    entries = project / "docs" / "entries" / SOURCE
    figures.update(rebuild_figures(build, project, site, entries / f"{len(list(entries.glob('*.md'))) // 2 + 1}.md", NEW_WORD))
    return figures | browser_figures(site, {}, f"entries/{SOURCE}/1/")


def print_table(n: int, results: dict[str, dict]) -> None:
    print(f"\nN = {n} entries, {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable)")
    columns = list(results)
    print(f"{'':32}" + "".join(f"{name:>14}" for name in columns))
    for metric in dict.fromkeys(key for figures in results.values() for key in figures):
        cells = [results[name].get(metric) for name in columns]
        shown = ["n/a" if cell is None else format(cell, ",.1f" if isinstance(cell, float) else ",") for cell in cells]
        print(f"{metric:32}" + "".join(f"{cell:>14}" for cell in shown))
    if "stock" in results:
        ours, stock = results["kb"], results["stock"]
        for figure in ("full build s", "full build CPU s"):
            print(f"kb {figure} / stock {figure}: {ours[figure] / stock[figure]:.2f}")


if __name__ == "__main__":
    main()
