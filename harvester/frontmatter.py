"""Entry files: YAML front matter between `---` lines, then Markdown.

Written with safe_dump and read with safe_load: a harvested title holding newlines and
`---` is a quoted string, never a new key, so nothing harvested can approve itself.
"""

import hashlib
import math
import re
import typing
from datetime import date, datetime, timezone

import yaml

from harvester.model import Entry, HowChosen

STATUSES = ("pending", "approved", "rejected", "archived")
KINDS = ("faq", "resource", "playbook")
HOW_CHOSEN = typing.get_args(HowChosen)
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*:[^\s/\\]+$")
# Written in this order so every curation action is a small, stable diff.
KEY_ORDER = (
    "id", "title", "status", "kind", "tags", "source", "question", "answer", "resource",
    "reviewed_by", "reviewed_at", "rejected_reason", "archived_reason",
    "verified_by", "verified_at", "review_every", "edited_by", "edited_at",
    "merged", "duplicate_of", "distinct_from", "source_change", "deleted_at_source", "deleted_at_source_seen_by",
    "steps",
)
# libyaml's safe loader when present (ten times faster on a large content/); it builds only
# plain data, exactly like yaml.safe_load.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DELIMITED = re.compile(r"\A---\n(.*?\n)---\n?(.*)\Z", re.DOTALL)
SHARED_TEXT_CHARS = 64  # texts up to this long are kept once, however many entries hold them (see _shared)


def dumps(entry: Entry) -> str:
    ordered = {key: entry.meta[key] for key in KEY_ORDER if key in entry.meta}
    ordered.update({key: entry.meta[key] for key in sorted(entry.meta) if key not in ordered})
    header = yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{header}---\n\n{entry.body.strip()}\n"


class ParsedCache(typing.Protocol):
    def get(self, key: str) -> dict | None: ...  # handed over: what the caller keeps, it adds back
    def add(self, key: str, meta: dict) -> None: ...


def loads(text: str, where: str, cache: ParsedCache | None = None,
          shared: dict[str, str] | None = None) -> tuple[Entry | None, list[str]]:
    """Parse and validate one entry file; problems are lines naming `where` and the key.

    A `cache` is asked for the front matter's meta by the digest of its text before it is
    parsed, and given each valid one that is plain JSON data (so it can be kept as JSON).
    `shared`, one for a load of many entries, keeps the texts they share (see _shared)."""
    match = _DELIMITED.match(text.replace("\r\n", "\n"))
    if not match:
        return None, [f"{where}: no front matter (the file must start with a --- line)"]
    body = _body(match)
    key = hashlib.blake2b(match.group(1).encode(), digest_size=16).hexdigest() if cache is not None else ""
    if cache is not None and (meta := cache.get(key)) is not None:
        meta = _shared(meta, shared)
        cache.add(key, meta)
        return Entry(meta=meta, body=body), []
    try:
        meta = yaml.load(match.group(1), Loader=_SAFE_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 2}" if mark else ""
        return None, [f"{where}: front matter is not valid YAML{line}"]
    if not isinstance(meta, dict):
        return None, [f"{where}: front matter must be a mapping of keys"]
    problems = [f"{where}: {problem}" for problem in validate(meta)]
    if problems:
        return None, problems
    meta = _shared(meta, shared)
    if cache is not None and _plain(meta):
        cache.add(key, meta)
    return Entry(meta=meta, body=body), []


def _shared(value, texts: dict[str, str] | None):
    """`value` with its keys and short texts the one copy `texts` keeps of each: they repeat
    across entries (statuses, sources, people, tags), and a build holds every entry's front
    matter at once. 3.9 KB an entry was 2.0: at 100,000 entries, 190 MB less. Not sys.intern:
    its table keeps its largest size for the life of the process, 7 MB at 20,000 entries once
    they are gone, in the process that then renders the site."""
    if texts is None:
        return value
    if isinstance(value, dict):
        return {texts.setdefault(key, key) if isinstance(key, str) else key: _shared(item, texts)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_shared(item, texts) for item in value]
    if isinstance(value, str) and len(value) <= SHARED_TEXT_CHARS:
        return texts.setdefault(value, value)
    return value


def body_of(text: str) -> str | None:
    """An entry file's body as `loads` reads it, without parsing its front matter; None if
    the text has no front matter."""
    match = _DELIMITED.match(text.replace("\r\n", "\n"))
    return _body(match) if match else None


def _body(match: re.Match) -> str:
    return match.group(2).strip() + "\n"


def _plain(value) -> bool:
    """Whether `value` is JSON data that reads back equal (no dates, no non-text keys)."""
    if isinstance(value, dict):
        return all(isinstance(key, str) and _plain(item) for key, item in value.items())
    if isinstance(value, list):
        return all(map(_plain, value))
    return value is None or isinstance(value, (str, bool, int)) or (isinstance(value, float) and math.isfinite(value))


def validate(meta: dict) -> list[str]:
    problems = []
    for key in ("id", "title", "status", "kind"):
        if not isinstance(meta.get(key), str) or not meta.get(key):
            problems.append(f'missing key "{key}"' if key not in meta else f'"{key}" must be non-empty text')
    if isinstance(meta.get("id"), str) and not ID_PATTERN.match(meta["id"]):
        problems.append(f'id "{meta["id"]}" is not "<source name>:<native id>"')
    if isinstance(meta.get("status"), str) and meta["status"] not in STATUSES:
        problems.append(f'status "{meta["status"]}" is not one of {", ".join(STATUSES)}')
    if isinstance(meta.get("kind"), str) and meta["kind"] not in KINDS:
        problems.append(f'kind "{meta["kind"]}" is not one of {", ".join(KINDS)}')
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) and tag for tag in tags):
        problems.append('"tags" must be a list of text')
    answer = meta.get("answer")
    if answer is not None:
        how = answer.get("how_chosen") if isinstance(answer, dict) else None
        if how not in HOW_CHOSEN:
            problems.append(f'answer.how_chosen {how!r} is not one of {", ".join(HOW_CHOSEN)}')
    for key in ("source", "question"):
        if key in meta and not isinstance(meta[key], dict):
            problems.append(f'"{key}" must be a mapping')
    if meta.get("status") == "rejected" and not meta.get("rejected_reason"):
        problems.append('a rejected entry needs "rejected_reason"')
    problems.extend(_curation_problems(meta))
    if meta.get("kind") == "playbook":
        steps = meta.get("steps")
        if not isinstance(steps, list) or not steps or not all(
                (isinstance(s, str) and ID_PATTERN.match(s)) or (isinstance(s, dict) and isinstance(s.get("id"), str) and ID_PATTERN.match(s["id"]))
                for s in steps):
            problems.append('a playbook needs "steps": a list of entry ids (or {id, note})')
    for key in ("reviewed_at", "verified_at", "edited_at", "deleted_at_source"):
        if key in meta and parse_time(meta[key]) is None:
            problems.append(f'"{key}" must be a date and time like 2026-01-31T12:00:00Z, got {meta[key]!r}')
    if "review_every" in meta and parse_days(meta["review_every"]) is None:
        problems.append(f'"review_every" must be a number of days or weeks like 180d or 26w, got {meta["review_every"]!r}')
    return problems


def _curation_problems(meta: dict) -> list[str]:
    """The keys merges, duplicate checks and source-change decisions write."""
    problems = []
    merged = meta.get("merged", [])
    if not isinstance(merged, list) or not all(isinstance(item, str) and ID_PATTERN.match(item) for item in merged):
        problems.append('"merged" must be a list of entry ids')
    if "duplicate_of" in meta and not (isinstance(meta["duplicate_of"], str) and ID_PATTERN.match(meta["duplicate_of"])):
        problems.append(f'"duplicate_of" must be an entry id, got {meta["duplicate_of"]!r}')
    distinct = meta.get("distinct_from", [])
    if not isinstance(distinct, list) or not all(isinstance(item, dict) and isinstance(item.get("id"), str) for item in distinct):
        problems.append('"distinct_from" must be a list of {id, by, at}')
    change = meta.get("source_change")
    if change is not None and not (isinstance(change, dict) and change.get("decision") in ("accepted", "dismissed")
                                   and isinstance(change.get("fingerprint"), str)):
        problems.append('"source_change" must be {decision: accepted or dismissed, fingerprint, by, at}')
    return problems


def parse_time(value) -> datetime | None:
    """A front matter time (written as text, or unquoted by hand and read as a datetime)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def parse_days(value) -> int | None:
    """"180d" -> 180, "26w" -> 182; None for anything else."""
    match = re.fullmatch(r"(\d{1,5})([dw])", str(value).strip())
    if not match:
        return None
    return int(match.group(1)) * (7 if match.group(2) == "w" else 1)
