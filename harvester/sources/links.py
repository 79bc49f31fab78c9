"""`links`: a curated list of links, kept as YAML or CSV in the repository.

Each link has a `url` (http or https) and may have `title`, `description`, `tags` and
`curator`; a missing title or description is filled from the page at harvest time. The list
is the whole truth: a link removed from it is flagged as deleted at source for a curator.
"""

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from harvester.errors import KbError
from harvester.model import Resource
from harvester.sources import ReadWhole, register
from harvester.templating import safe_url

COLUMNS = ("url", "title", "description", "tags", "curator")


@dataclass
class LinksOptions:
    path: Path  # a .yml/.yaml list of links, or a .csv with a header row (url,title,description,tags,curator)
    allow_hosts: list[str] = field(default_factory=list)  # private hosts whose pages may be fetched for titles


@register("links")
class Links(ReadWhole):
    Options = LinksOptions

    def threads(self, since: str | None = None):
        rows = self._rows()
        resources, problems = [], []
        for number, row in rows:
            where = f"{self.options.path}: {'row' if self.options.path.suffix == '.csv' else 'link'} {number}"
            url = safe_url(str(row.get("url") or "").strip())
            unknown = sorted(set(row) - set(COLUMNS))
            if unknown:
                problems.append(f"{where}: unknown key {', '.join(unknown)} (known: {', '.join(COLUMNS)})")
            if not url:
                problems.append(f"{where}: \"url\" must be an http or https address, got {row.get('url')!r}")
                continue
            tags = row.get("tags") or []
            tags = [t.strip() for t in (tags.replace(";", ",").split(",") if isinstance(tags, str) else tags) if str(t).strip()]
            resources.append(Resource(
                native_id=hashlib.sha256(url.encode("utf-8")).hexdigest()[:16], url=url,
                title=str(row.get("title") or "").strip() or None, description=str(row.get("description") or "").strip(),
                # No date: the file's own would change every link's fingerprint whenever one is edited.
                body_format="markdown", tags=[str(t) for t in tags], updated_at="",
                curator=str(row.get("curator") or "").strip() or None,
            ))
        if problems:  # the list is written by hand: say everything wrong with it at once
            raise KbError("\n".join(problems))
        self.still_at_source = {resource.native_id for resource in resources}
        yield from resources

    def _rows(self) -> list[tuple[int, dict]]:
        path = self.options.path
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise KbError(f"{path}: cannot read ({exc})") from None
        if path.suffix.lower() == ".csv":
            reader = csv.DictReader(io.StringIO(text))
            if not reader.fieldnames or "url" not in reader.fieldnames:
                raise KbError(f"{path}: the first row must name the columns, including url ({', '.join(COLUMNS)})")
            return [(number, {k: v for k, v in row.items() if k is not None}) for number, row in enumerate(reader, 2)]
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise KbError(f"{path}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
        links = document.get("links") if isinstance(document, dict) else document
        if not isinstance(links, list) or not all(isinstance(link, dict) for link in links):
            raise KbError(f"{path}: expected a list of links (each with url, title, description, tags, curator)")
        return list(enumerate(links, 1))
