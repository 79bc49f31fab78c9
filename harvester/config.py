"""site_config/sources.yml -> validated source configs. Every problem is reported at once,
one line each, naming the file, the source and the key."""

import dataclasses
import difflib
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harvester.errors import KbError
from harvester.frontmatter import parse_days
from harvester.redact import KINDS as REDACTION_KINDS
from harvester.sources import SOURCE_TYPES

SOURCES_FILE = "site_config/sources.yml"
PRIVACY_FILE = "site_config/privacy.yml"
CURATION_FILE = "site_config/curation.yml"
TAXONOMY_FILE = "site_config/taxonomy.yml"
COMMON_KEYS = ("name", "type", "audience", "authors")
AUDIENCES = ("public", "internal")
AUTHOR_MODES = ("real", "initials", "pseudonym", "anonymous")
# Source names become part of entry ids and folder names under content/.
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
RESERVED_NAMES = {"playbooks", "resources", "tags", "api", "assets", "search"}


@dataclass(frozen=True)
class SourceConfig:
    name: str
    type: str
    audience: str
    authors: str | None  # how authors are shown; None: privacy.yml's default
    options: Any  # the source type's own Options dataclass, validated


@dataclass
class Privacy:
    """site_config/privacy.yml. Without the file, everything here is on: redaction is the default."""

    redact: list[str] = field(default_factory=lambda: list(REDACTION_KINDS))  # kinds to redact
    allowlist: list[str] = field(default_factory=list)  # exact values never redacted
    phone_region: str = "US"  # how to read phone numbers written without a +country code
    authors: str = "real"  # real | initials | pseudonym | anonymous
    hide_names: list[str] = field(default_factory=list)  # harvested, but their names never shown
    exclude_people: list[str] = field(default_factory=list)  # their messages are never harvested

    def __post_init__(self):
        unknown = [kind for kind in self.redact if kind not in REDACTION_KINDS]
        if unknown:
            raise ValueError(f'"redact" has {", ".join(unknown)}; known: {", ".join(REDACTION_KINDS)}')
        if self.authors not in AUTHOR_MODES:
            raise ValueError(f'"authors" must be one of {", ".join(AUTHOR_MODES)}, got {self.authors!r}')


@dataclass
class Curation:
    """site_config/curation.yml: how long an approved answer is trusted, who owns which topics,
    whose answers are official, and how alike two questions must read to be flagged as duplicates."""

    review_every: str = "365d"  # days (180d) or weeks (26w); an entry's own review_every wins
    owners: dict[str, list[str]] = field(default_factory=dict)  # tag -> the curators who answer for it
    official: list[str] = field(default_factory=list)  # people whose answers speak for the organisation
    duplicate_threshold: float = 0.8  # from 0 to 1: flag pairs of questions scoring this or more

    def __post_init__(self):
        if parse_days(self.review_every) is None:
            raise ValueError(f'"review_every" must be like 180d or 26w, got {self.review_every!r}')
        if not 0 < self.duplicate_threshold <= 1:
            raise ValueError(f'"duplicate_threshold" must be above 0 and at most 1, got {self.duplicate_threshold!r}')

    def official_people(self) -> frozenset[str]:
        """Names (casefolded) whose answers are badged official: those listed, and every owner."""
        return frozenset(name.casefold() for name in [*self.official, *(o for names in self.owners.values() for o in names)])

    def owners_of(self, tags: list[str]) -> list[str]:
        """The curators answering for any of these tags, each once, in the order listed."""
        return list(dict.fromkeys(owner for tag in tags for owner in self.owners.get(tag, [])))


@dataclass(frozen=True)
class Topic:
    """A subject readers browse by: a group of tags, with a name and a line saying what it covers."""

    name: str
    tags: list[str]
    description: str = ""

    def __post_init__(self):
        if not self.name.strip():
            raise ValueError('"name" must not be empty')
        if not self.tags:
            raise ValueError('"tags" must list at least one tag')


def load_taxonomy(root: Path) -> list[Topic]:
    """site_config/taxonomy.yml: the topics, in the order readers see them; [] without the file."""
    if not (root / TAXONOMY_FILE).is_file():
        return []
    document = _read_yaml(root, TAXONOMY_FILE) or {}
    if not isinstance(document, dict) or set(document) - {"topics"} or not isinstance(document.get("topics") or [], list):
        raise KbError(f'{TAXONOMY_FILE}: expected one top-level key "topics" holding a list')
    problems: list[str] = []
    topics: list[Topic] = []
    for position, raw in enumerate(document.get("topics") or [], start=1):
        label = f'topic "{raw["name"]}"' if isinstance(raw, dict) and isinstance(raw.get("name"), str) else f"topic #{position}"
        if not isinstance(raw, dict):
            problems.append(f"{label}: expected a mapping of keys, got {_kind(raw)}")
        elif (topic := _options(root, label, Topic, raw, problems, common=())) is not None:
            if topic.name.casefold() in {known.name.casefold() for known in topics}:
                problems.append(f'{label}: "name" is used by an earlier topic')
            topics.append(Topic(topic.name.strip(), [tag.lower() for tag in topic.tags], topic.description.strip()))
    if problems:
        raise KbError("\n".join(f"{TAXONOMY_FILE}: {p}" for p in problems))
    return topics


def load_curation(root: Path) -> Curation:
    return _load_settings(root, CURATION_FILE, Curation)


def load_privacy(root: Path) -> Privacy:
    return _load_settings(root, PRIVACY_FILE, Privacy)


def _load_settings(root: Path, name: str, settings_class: type):
    """A flat settings file validated into its dataclass; its defaults when the file is absent."""
    if not (root / name).is_file():
        return settings_class()
    document = _read_yaml(root, name) or {}
    if not isinstance(document, dict):
        raise KbError(f"{name}: expected a mapping of keys")
    problems: list[str] = []
    settings = _options(root, "", settings_class, document, problems, common=())
    if problems:
        raise KbError("\n".join(f"{name}: {p}" for p in problems))
    return settings


def _read_yaml(root: Path, name: str) -> Any:
    try:
        return yaml.safe_load((root / name).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise KbError(f"{name}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise KbError(f"{name}: not UTF-8 text") from None


def source_audiences(root: Path) -> dict[str, str]:
    """Each configured source's audience, read without checking the rest of its options (a
    site build needs no access to the exports)."""
    document = _read_yaml(root, SOURCES_FILE) if (root / SOURCES_FILE).is_file() else None
    sources = document.get("sources") if isinstance(document, dict) else None
    return {
        str(raw.get("name")): str(raw.get("audience", "public"))
        for raw in sources or [] if isinstance(raw, dict)
    }


def load_sources(root: Path) -> list[SourceConfig]:
    if not (root / SOURCES_FILE).is_file():
        raise KbError(f"{SOURCES_FILE}: not found (kb init writes an example)")
    document = _read_yaml(root, SOURCES_FILE)
    if document is None:
        document = {"sources": []}
    if not isinstance(document, dict) or set(document) != {"sources"}:
        raise KbError(f"{SOURCES_FILE}: expected one top-level key \"sources\" holding a list")
    raw_sources = document["sources"] or []
    if not isinstance(raw_sources, list):
        raise KbError(f"{SOURCES_FILE}: \"sources\" must be a list")

    problems: list[str] = []
    configs: list[SourceConfig] = []
    seen: set[str] = set()
    for position, raw in enumerate(raw_sources, start=1):
        config = _source(root, position, raw, seen, problems)
        if config:
            configs.append(config)
    if problems:
        raise KbError("\n".join(f"{SOURCES_FILE}: {p}" for p in problems))
    return configs


def _source(root: Path, position: int, raw: Any, seen: set[str], problems: list[str]) -> SourceConfig | None:
    if not isinstance(raw, dict):
        problems.append(f"source #{position}: expected a mapping of keys, got {_kind(raw)}")
        return None
    name = raw.get("name")
    label = f'source "{name}"' if isinstance(name, str) else f"source #{position}"
    before = len(problems)

    if not isinstance(name, str):
        problems.append(f'{label}: missing key "name"' if name is None else f'{label}: "name" must be text')
    elif not NAME_PATTERN.match(name) or name in RESERVED_NAMES:
        problems.append(f'{label}: "name" must be lowercase letters, digits and dashes (at most 40), '
                        f'and not one of {", ".join(sorted(RESERVED_NAMES))}')
    elif name in seen:
        problems.append(f'{label}: "name" is used by an earlier source')
    else:
        seen.add(name)

    type_name = raw.get("type")
    source_type = SOURCE_TYPES.get(type_name) if isinstance(type_name, str) else None
    if type_name is None:
        problems.append(f'{label}: missing key "type"')
    elif source_type is None:
        problems.append(f'{label}: unknown type "{type_name}"{_suggest(str(type_name), SOURCE_TYPES)}'
                        f" (known: {', '.join(sorted(SOURCE_TYPES))})")

    audience = raw.get("audience", "public")
    if audience not in AUDIENCES:
        problems.append(f'{label}: "audience" must be one of {", ".join(AUDIENCES)}, got {audience!r}')
    authors = raw.get("authors")
    if authors is not None and authors not in AUTHOR_MODES:
        problems.append(f'{label}: "authors" must be one of {", ".join(AUTHOR_MODES)}, got {authors!r}')

    if source_type is None:
        return None
    options = _options(root, label, source_type.Options, raw, problems)
    if len(problems) > before:
        return None
    return SourceConfig(name=name, type=type_name, audience=audience, authors=authors, options=options)


def _options(root: Path, label: str, options_class: type, raw: dict, problems: list[str],
             common: tuple[str, ...] = COMMON_KEYS) -> Any:
    """Validate `raw` into `options_class`; problems are appended as `<label>: <problem>`."""
    prefix = f"{label}: " if label else ""
    fields = {f.name: f for f in dataclasses.fields(options_class)}
    hints = typing.get_type_hints(options_class)
    for key in raw:
        if key not in fields and key not in common:
            problems.append(f'{prefix}unknown key "{key}"{_suggest(str(key), [*fields, *common])}')

    values = {}
    for key, spec in fields.items():
        required = spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
        if key not in raw:
            if required:
                problems.append(f'{prefix}missing key "{key}"')
            continue
        value, problem = _coerce(root, raw[key], hints[key])
        if problem:
            problems.append(f'{prefix}"{key}" {problem}')
        else:
            values[key] = value
    try:
        return options_class(**values)
    except TypeError:  # a missing or mistyped key, already reported
        return None
    except ValueError as exc:  # the options' own cross-checks
        problems.append(f"{prefix}{exc}")
        return None


def _coerce(root: Path, value: Any, hint: Any) -> tuple[Any, str | None]:
    """Check `value` against a field's annotation; paths resolve against the workspace."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) and type(None) in args:
        if value is None:
            return None, None
        hint = next(a for a in args if a is not type(None))
    if hint is bool:
        return (value, None) if isinstance(value, bool) else (None, f"must be true or false, got {value!r}")
    if hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return (value, None) if ok else (None, f"must be a whole number, got {value!r}")
    if hint is str:
        return (value, None) if isinstance(value, str) and value else (None, f"must be non-empty text, got {value!r}")
    if hint is Path:
        if not isinstance(value, str) or not value:
            return None, f"must be a path, got {value!r}"
        path = (root / value).resolve()
        return (path, None) if path.exists() else (None, f'points to "{value}", which does not exist')
    if hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return (float(value), None) if ok else (None, f"must be a number, got {value!r}")
    if typing.get_origin(hint) is dict:  # tag -> names; one name may stand alone
        if not isinstance(value, dict):
            return None, f"must be a mapping of tag: [names], got {value!r}"
        mapping = {}
        for key, names in value.items():
            names = [names] if isinstance(names, str) else names
            if not isinstance(key, str) or not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
                return None, f"must map each tag to a list of names, got {key!r}: {value[key]!r}"
            mapping[key.lower()] = list(names)
        return mapping, None
    if typing.get_origin(hint) is list:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            return None, f"must be a list of text, got {value!r}"
        return list(value), None
    raise TypeError(f"unsupported option type {hint!r}")  # a programming error, not a user's


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _kind(value: Any) -> str:
    return "a list" if isinstance(value, list) else "nothing" if value is None else f"{value!r}"
