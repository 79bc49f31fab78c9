"""kb links check: are the links entries point to still alive? Politely, and never deleting.

Every resource URL and every http(s) link in an entry's text is checked once, many at a time
but at most two at a time per host. HEAD first, GET when a server refuses HEAD. A link that
answers 404, 410, another client error than an authorization wall or a rate limit, a server
error, or nothing at all is broken; `content/link-check.yml` records it with the date it was
first seen broken, and forgets it once it works again. Hosts on private networks are not
probed unless allowed, as for every page kb fetches.
"""

import asyncio
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import httpx
import yaml

from harvester import store
from harvester.errors import KbError
from harvester.files import write_atomic
from harvester.http import USER_AGENT
from harvester.model import Entry
from harvester.webpage import RefusedHost, check_host

STATE_FILE = "content/link-check.yml"
PER_HOST = 2
AT_ONCE = 16
_LINK = re.compile(r"\]\((https?://[^)\s]+)\)")
_NOT_BROKEN = {401, 403, 429}  # a wall or a limit says the page exists


@dataclass
class Broken:
    url: str
    reason: str
    since: str  # YYYY-MM-DD first seen broken
    entries: list[str]


@dataclass
class CheckReport:
    checked: int
    hosts: int
    broken: list[Broken]
    newly_broken: int
    skipped: int  # private hosts not allowed


def links_of(entry: Entry) -> list[str]:
    resource = (entry.meta.get("resource") or {}).get("url")
    return list(dict.fromkeys([*([resource] if resource else []), *_LINK.findall(entry.body)]))


def check(root: Path, timeout: float = 10.0, allow_hosts: tuple[str, ...] = (), today: str | None = None) -> CheckReport:
    entries = [entry for entry in store.load_all(root) if entry.status in ("pending", "approved")]
    where: dict[str, list[str]] = {}
    for entry in entries:
        for url in links_of(entry):
            where.setdefault(url, []).append(entry.id)
    results = asyncio.run(_check_all(sorted(where), timeout, allow_hosts))
    today = today or datetime.now(timezone.utc).strftime("%Y-%m-%d")
    known = load(root)
    broken = [Broken(url, reason, known.get(url, {}).get("since", today), where[url])
              for url, reason in sorted(results.items()) if reason not in (None, "skipped")]
    write_atomic(root / STATE_FILE, yaml.safe_dump(
        {b.url: {"since": b.since, "reason": b.reason, "entries": b.entries} for b in broken}, sort_keys=True, allow_unicode=True))
    return CheckReport(len(where), len({httpx.URL(url).host for url in where}), broken,
                       sum(1 for b in broken if b.url not in known), sum(1 for r in results.values() if r == "skipped"))


def load(root: Path) -> dict[str, dict]:
    """url -> {since, reason, entries} for links seen broken at the last check."""
    path = root / STATE_FILE
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise KbError(f"{STATE_FILE}: not as kb links check writes it; delete it and check again")
    return data


async def _check_all(urls: list[str], timeout: float, allow_hosts) -> dict[str, str | None]:
    at_once = asyncio.Semaphore(AT_ONCE)
    per_host: dict[str, asyncio.Semaphore] = {}
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT}) as client:
        async def one(url: str) -> str | None:
            host = httpx.URL(url).host
            async with at_once, per_host.setdefault(host, asyncio.Semaphore(PER_HOST)):
                try:
                    await asyncio.to_thread(check_host, url, allow_hosts)
                except RefusedHost:
                    return "skipped"
                except KbError:
                    return "unreachable (no such host)"
                return await _probe(client, url)

        reasons = await asyncio.gather(*(one(url) for url in urls))
    return dict(zip(urls, reasons))


async def _probe(client: httpx.AsyncClient, url: str) -> str | None:
    """None when the link works; otherwise why not, in a few words."""
    try:
        response = await client.head(url)
        if response.status_code in (405, 501) or response.status_code >= 400 and response.status_code not in (404, 410):
            async with client.stream("GET", url) as streamed:  # some servers answer HEAD wrongly
                response = streamed
    except httpx.TimeoutException:
        return "timed out"
    except httpx.HTTPError as exc:
        return f"unreachable ({exc.__class__.__name__})"
    if response.status_code >= 400 and response.status_code not in _NOT_BROKEN:
        return f"HTTP {response.status_code}"
    return None


def by_entry(root: Path) -> dict[str, list[tuple[str, str]]]:
    """entry id -> [(broken url, since)], for pages and the queue."""
    found: dict[str, list[tuple[str, str]]] = {}
    for url, record in load(root).items():
        for entry_id in record.get("entries", []):
            found.setdefault(entry_id, []).append((url, str(record.get("since", ""))))
    return found


def summary(report: CheckReport) -> str:
    reasons = Counter(b.reason.split(" (")[0] for b in report.broken)
    line = f"Checked {report.checked} links on {report.hosts} hosts: {len(report.broken)} broken ({report.newly_broken} new)"
    if reasons:
        line += " — " + ", ".join(f"{n} {why}" for why, n in reasons.most_common())
    if report.skipped:
        line += f"; {report.skipped} on private hosts not checked (--allow-host to check them)"
    return line
