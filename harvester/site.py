"""Lays out the site tree: approved entries as pages, plus home, tag pages, api/entries.json,
and a redirect where a merged entry's page used to be.

The tree is plain Markdown the engine renders. Pages are written only when their text
changed, and pages no longer laid out are removed, so the tree always equals the content.
"""

import functools
import json
import posixpath
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import jinja2
from slugify import slugify

from harvester import machine_pages, people_pages, related, stats_page
from harvester import playbooks as playbooks_module
from harvester import store
from harvester.config import Privacy, Topic
from harvester.files import write_atomic
from harvester.model import ANSWER_LABELS, Entry
from harvester.templating import numbered_slugs, safe_url

ENTRIES_DIR = "entries"
TAGS_DIR = "tags"
TOPICS_DIR = "topics"
PLAYBOOKS_DIR = "playbooks"
RESOURCES_DIR = "resources"
SEARCH_PAGE = "search.md"  # served at search/: the header's search box sends its query there
HOME_TOPICS = 30
HOME_RECENT = 20
HOME_HELPFUL = 10  # the best-voted answers, on the home page
TAG_PAGE_SIZE = 50  # entries per tag or topic page: a popular one gets several pages, never one giant list
WHATS_NEW_PAGE = "new.md"
WHATS_NEW_WEEKS = 12  # the latest weeks that had new entries
# Entry pages are kept out of the navigation: MkDocs renders the whole nav into every
# page, which makes the build quadratic. Tag and home pages list entries instead. Titles are
# given here, not left to each page's front matter: a page renders the titles of the others
# in its navigation, and an incremental build does not read pages it does not render.
NAV = [{"Tags": f"{TAGS_DIR}/index.md"}, {"What's new": WHATS_NEW_PAGE}, {"Experts": people_pages.EXPERTS_PAGE},
       {"Stats": stats_page.STATS_PAGE}]  # after the home page, titled with the site's name


@dataclass(frozen=True)
class Tag:
    name: str
    slug: str
    count: int


def tag_slug(name: str) -> str:
    return slugify(name, replacements=[["+", "plus"], ["#", "sharp"]], max_length=64) or "tag"


@functools.cache  # asked for per listing an entry appears in (home, each tag, the API)
def entry_page(entry_id: str) -> str:
    """The entry's page, from its id alone: its URL never changes with status, tags or title."""
    content_path = store.entry_path(Path("/"), entry_id)
    return f"{ENTRIES_DIR}/{content_path.parent.name}/{content_path.stem}.md"


def entry_url(entry_id: str) -> str:
    return entry_page(entry_id)[: -len(".md")] + "/"


def entry_href(entry_id: str, directory_urls: bool) -> str:
    """The entry page's address relative to the site root, as the site serves it."""
    return entry_url(entry_id) if directory_urls else entry_page(entry_id)[: -len(".md")] + ".html"


@dataclass(frozen=True)
class Published:
    """What a build publishes, decided from content/ and curation.yml before any page is made."""

    entries: list[Entry]  # approved, for this audience
    redirects: dict[str, str]  # merged entry id -> the published entry it was merged into
    outdated: dict[str, str]  # entry id -> the date its review fell due
    broken: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # entry id -> [(link, broken since)]
    privacy: Privacy = field(default_factory=Privacy)  # who may be listed among experts
    statuses: dict[str, int] = field(default_factory=dict)  # every entry in content/, by status
    official: frozenset[str] = frozenset()  # names (casefolded) whose answers are badged official
    topics: list[Topic] = field(default_factory=list)  # site_config/taxonomy.yml


def redirects_of(entries: list[Entry], published_ids: set[str]) -> dict[str, str]:
    """Merged entries whose chain of merges ends at a published entry, mapped to that entry."""
    merged_into = {entry.id: entry.meta["duplicate_of"] for entry in entries
                   if entry.status == "archived" and entry.meta.get("duplicate_of")}
    found = {}
    for merged_id, target in merged_into.items():
        seen = {merged_id}
        while target in merged_into and target not in seen:  # merged again later; a loop stops
            seen.add(target)
            target = merged_into[target]
        if target in published_ids:
            found[merged_id] = target
    return found


def nav(published: Published, site_name: str) -> list[dict[str, str]]:
    kinds = {entry.meta.get("kind") for entry in published.entries}
    return ([{site_name: "index.md"}] + [{"Topics": f"{TOPICS_DIR}/index.md"}] * bool(published.topics) + NAV
            + [{"Resources": f"{RESOURCES_DIR}/index.md"}] * ("resource" in kinds)
            + [{"Playbooks": f"{PLAYBOOKS_DIR}/index.md"}] * ("playbook" in kinds))


def lay_out(published: Published, templates: jinja2.Environment, site_name: str, directory_urls: bool = True,
            site_url: str | None = None, unchanged: Callable[[str, dict], bool] = lambda page, context: False,
            ) -> Iterator[tuple[str, str | None]]:
    """Every page of the site, as (path under the docs folder, text), one at a time: entry
    pages are most of a site's bytes, and are written out as they come. An entry page made
    from a template context that `unchanged(page, context)` says is already on disk as it
    would be written comes with None for its text (see layout_cache.py)."""
    entries = sorted((entry for entry in published.entries if not is_playbook(entry)), key=lambda entry: entry.id)
    by_tag: dict[str, list[Entry]] = {}
    for entry in entries:
        for name in entry.tags:
            by_tag.setdefault(name, []).append(entry)
    tags = _tags(by_tag)
    slugs = {tag.name: tag.slug for tag in tags}

    titles = {entry.id: entry.title for entry in entries}
    related_ids = related.related_entries([entry for entry in entries if entry.meta.get("kind") != "resource"])
    for entry in entries:
        page = entry_page(entry.id)
        related_pages = [{"title": titles[other], "page": entry_page(other)} for other in related_ids.get(entry.id, [])]
        template, context = _entry_context(entry, slugs, published, related_pages)
        if unchanged(page, {"template": template, **context}):
            yield page, None
        else:
            yield page, templates.get_template(template).render(**context, description=machine_pages.description(entry),
                                                                structured_data=machine_pages.structured_data(entry))
    for merged_id, target in sorted(published.redirects.items()):
        path, link = _redirect_paths(merged_id, target, directory_urls)
        yield path, templates.get_template("pages/redirect.html.j2").render(target=link, target_title=titles[target])
    for tag in tags:
        listed = sorted(by_tag[tag.name], key=lambda entry: entry.title.lower())
        yield from _listing_pages(f"{TAGS_DIR}/{tag.slug}", listed, templates, "pages/tag.md.j2", tag=tag).items()
    yield f"{TAGS_DIR}/index.md", templates.get_template("pages/tags.md.j2").render(
        tags=sorted(tags, key=lambda tag: tag.name)
    )
    topics = []
    for topic, listed in _topics(published.topics, by_tag, slugs):
        yield from _listing_pages(f"{TOPICS_DIR}/{topic['slug']}", listed, templates, "pages/topic.md.j2", topic=topic).items()
        topics.append(topic)
    if topics:
        yield f"{TOPICS_DIR}/index.md", templates.get_template("pages/topics.md.j2").render(topics=topics)
    newest_first = sorted(entries, key=_updated, reverse=True)
    recent = newest_first[:HOME_RECENT]
    scored = [entry for entry in entries if isinstance((entry.meta.get("answer") or {}).get("score"), int)]
    yield "index.md", templates.get_template("pages/home.md.j2").render(
        site_name=site_name,
        entry_count=len(entries),
        topics=topics,
        top_tags=sorted(tags, key=lambda tag: (-tag.count, tag.name))[:HOME_TOPICS],
        recent=[_summary(entry) for entry in recent],
        helpful=[_summary(entry) for entry in sorted(scored, key=lambda entry: (-entry.meta["answer"]["score"], entry.id))[:HOME_HELPFUL]],
    )
    resources = [entry for entry in entries if entry.meta.get("kind") == "resource"]
    if resources:
        def listed(entry: Entry) -> dict:
            return {**_summary(entry), "broken": entry.id in published.broken}

        yield f"{RESOURCES_DIR}/index.md", templates.get_template("pages/resources.md.j2").render(
            by_tag=[(tag, [listed(e) for e in sorted(by_tag[tag.name], key=lambda e: e.title.lower()) if e.meta.get("kind") == "resource"])
                    for tag in sorted(tags, key=lambda tag: tag.name)],
            untagged=[listed(e) for e in resources if not e.tags], root="../",
        )
    yield from _playbook_pages(sorted(filter(is_playbook, published.entries), key=lambda e: e.title.lower()), entries, templates).items()
    yield SEARCH_PAGE, templates.get_template("pages/search.md.j2").render()
    yield WHATS_NEW_PAGE, templates.get_template("pages/new.md.j2").render(weeks=_weeks(entries))
    people = people_pages.ranked(entries, published.privacy)
    yield from people_pages.people_pages(people, templates, slugs, entry_page).items()
    contributors = [(person.name, len(person.answers)) for person in people if person.answers]
    yield from stats_page.stats_pages(entries, published.statuses, len(published.outdated), contributors, templates).items()
    yield from machine_pages.feed_pages(newest_first, tags, templates, site_name, site_url,
                                        functools.partial(entry_href, directory_urls=directory_urls)).items()
    yield "robots.txt", machine_pages.robots(site_url)
    yield "api/entries.json", _api_json(entries, published.official)


@dataclass
class Tree:
    pages: list[str]  # every page laid out, in order
    changed: list[str]  # those written: new or changed


def write_tree(docs_dir: Path, pages: Iterable[tuple[str, str | Iterable[str] | None]]) -> Tree:
    """Make `docs_dir` hold exactly `pages`, writing those whose text (or its pieces) changed
    (None: it did not).

    The tree is derived from content/ and compared page by page on every build, so it is
    written without flushing each page to disk (a build of 20,000 pages spent seconds there)."""
    tree = Tree([], [])
    for path, text in pages:
        tree.pages.append(path)
        if text is not None and write_atomic(docs_dir / path, text, durable=False):
            tree.changed.append(path)
    laid_out = set(tree.pages)
    for stale in sorted(docs_dir.rglob("*"), reverse=True):
        relative = stale.relative_to(docs_dir).as_posix()
        if stale.is_file() and relative not in laid_out:
            stale.unlink()
        elif stale.is_dir() and not any(stale.iterdir()):
            stale.rmdir()
    return tree


def _listing_pages(base: str, listed: list[Entry], templates: jinja2.Environment, template: str, **context) -> dict[str, str]:
    """A tag's or topic's entries, TAG_PAGE_SIZE to a page: BASE.md, then BASE/2.md, BASE/3.md…"""
    chunks = [listed[start : start + TAG_PAGE_SIZE] for start in range(0, len(listed), TAG_PAGE_SIZE)]
    paths = [f"{base}.md"] + [f"{base}/{number}.md" for number in range(2, len(chunks) + 1)]
    pages = {}
    for number, (path, chunk) in enumerate(zip(paths, chunks), start=1):
        def link(target: str, here: str = posixpath.dirname(path)) -> str:
            return posixpath.relpath(target, here)

        pages[path] = templates.get_template(template).render(
            entries=[_summary(entry) for entry in chunk], total=len(listed), number=number, count=len(chunks),
            previous=link(paths[number - 2]) if number > 1 else None,
            next=link(paths[number]) if number < len(chunks) else None,
            tags_index=link(f"{TAGS_DIR}/index.md"), root=link(".") + "/", **context,
        )
    return pages


def _topics(topics: list[Topic], by_tag: dict[str, list[Entry]], slugs: dict[str, str]) -> list[tuple[dict, list[Entry]]]:
    """Each topic, with its published tags, and its entries by title; a topic none of whose tags
    is used yet is left out."""
    found = []
    for topic, slug in zip(topics, numbered_slugs([tag_slug(topic.name) for topic in topics], {"index"})):
        used = [tag for tag in topic.tags if tag in by_tag]
        listed = {entry.id: entry for tag in used for entry in by_tag[tag]}
        if listed:
            found.append(({"name": topic.name, "slug": slug, "description": topic.description, "count": len(listed),
                           "tags": [Tag(tag, slugs[tag], len(by_tag[tag])) for tag in used]},
                          sorted(listed.values(), key=lambda entry: entry.title.lower())))
    return found


def _weeks(entries: list[Entry]) -> list[dict]:
    """Entries by the week they were published (approved), newest week first."""
    by_week: dict[str, list[tuple[str, Entry]]] = {}
    for entry in entries:
        added = str(entry.meta.get("reviewed_at") or _updated(entry))[:10]
        if added:
            day = date.fromisoformat(added)
            by_week.setdefault((day - timedelta(days=day.weekday())).isoformat(), []).append((added, entry))
    return [{"start": start, "entries": [{**_summary(entry), "added": added}
                                         for added, entry in sorted(by_week[start], key=lambda item: (item[0], item[1].id), reverse=True)]}
            for start in sorted(by_week, reverse=True)[:WHATS_NEW_WEEKS]]


def _tags(by_tag: dict[str, list[Entry]]) -> list[Tag]:
    # A tag named "index" would take the tag list's own page, so that slug is taken already.
    names = sorted(by_tag)
    slugs = numbered_slugs([tag_slug(name) for name in names], {"index"})
    return [Tag(name, slug, len(by_tag[name])) for name, slug in zip(names, slugs)]


def is_playbook(entry: Entry) -> bool:
    return entry.meta.get("kind") == "playbook"


def _playbook_pages(playbooks: list[Entry], entries: list[Entry], templates: jinja2.Environment) -> dict[str, str]:
    """A guide page per playbook, its steps linking the published entries, and their index."""
    if not playbooks:
        return {}
    titles = {entry.id: entry.title for entry in entries}
    pages, listed = {}, []
    for playbook in playbooks:
        page = f"{PLAYBOOKS_DIR}/{store.entry_path(Path('/'), playbook.id).stem}.md"
        steps = [{"title": titles.get(step["id"], step["id"]), "note": step["note"],
                  "page": f"../{entry_page(step['id'])}" if step["id"] in titles else None}
                 for step in playbooks_module.steps(playbook)]
        pages[page] = templates.get_template("pages/playbook.md.j2").render(playbook=playbook, steps=steps)
        listed.append({"title": playbook.title, "page": page.split("/", 1)[1], "steps": len(steps)})
    pages[f"{PLAYBOOKS_DIR}/index.md"] = templates.get_template("pages/playbooks.md.j2").render(playbooks=listed)
    return pages


def _redirect_paths(merged_id: str, target_id: str, directory_urls: bool) -> tuple[str, str]:
    """Where the merged entry's page was served, and the target's address relative to it."""
    merged, target = entry_page(merged_id)[: -len(".md")], entry_page(target_id)[: -len(".md")]
    if directory_urls:  # entries/qc/12/ is served from entries/qc/12/index.html
        return f"{merged}/index.html", posixpath.relpath(target, merged) + "/"
    return f"{merged}.html", posixpath.relpath(f"{target}.html", posixpath.dirname(merged))


def _entry_context(entry: Entry, slugs: dict[str, str], published: Published, related_pages: list[dict]) -> tuple[str, dict]:
    """The template of an entry's page, and what it is given: all of it but what is made from
    the entry alone, its description and structured data, which cost more to make than the
    rest to compare."""
    due, broken = published.outdated.get(entry.id), published.broken.get(entry.id, [])
    question = entry.meta.get("question") or {}
    answer = entry.meta.get("answer") or {}
    how = answer.get("how_chosen", "")
    resource = entry.meta.get("resource") or {}
    template = "pages/resource.md.j2" if entry.meta.get("kind") == "resource" else "pages/entry.md.j2"
    return template, dict(
        entry=entry,
        resource_url=safe_url(resource.get("url")),
        curator=resource.get("curator"),
        how_chosen=how,
        answer_label=ANSWER_LABELS.get(how, "Answer"),
        official=is_official(entry, published.official),
        related=related_pages,
        asked_by=question.get("author"),
        asked_on=str(question.get("asked_at") or "")[:10],
        answered_by=answer.get("author"),
        answered_on=str(answer.get("answered_at") or "")[:10],
        updated_on=_updated(entry)[:10],
        tags=[Tag(name, slugs[name], 0) for name in entry.tags],
        source_url=safe_url(_source(entry).get("url")),
        source_gone="deleted_at_source" in entry.meta,
        verified_by=entry.meta.get("verified_by"),
        verified_on=str(entry.meta.get("verified_at") or "")[:10],
        review_due=(due or "")[:10],
        broken=[{"url": url, "since": since} for url, since in broken],
        root="../../",
    )


def is_official(entry: Entry, official_people: frozenset[str]) -> bool:
    """Whether the answer speaks for the organisation: a curator's `official: true|false` on the
    entry decides; else whether its author is among the official people (curation.yml)."""
    if isinstance(entry.meta.get("official"), bool):
        return entry.meta["official"]
    author = (entry.meta.get("answer") or {}).get("author")
    return bool(author) and author.casefold() in official_people


def _summary(entry: Entry) -> dict:
    return {
        "title": entry.title,
        "page": entry_page(entry.id),
        "how_chosen": (entry.meta.get("answer") or {}).get("how_chosen"),
        "updated": _updated(entry),
        "votes": (entry.meta.get("answer") or {}).get("score"),
    }


def _api_json(entries: list[Entry], official_people: frozenset[str]) -> Iterator[str]:
    """Every entry's API record, as json.dumps(records, indent=1) would write them, a record at
    a time: the records and their text, held at once, took 3.9 KB an entry (390 MB at 100,000)."""
    if not entries:
        yield "[]\n"
        return
    yield "["
    for number, entry in enumerate(entries):
        record = json.dumps(_api_record(entry, official_people), indent=1, ensure_ascii=False)
        yield ("\n " if number == 0 else ",\n ") + record.replace("\n", "\n ")  # JSON text holds no raw newline
    yield "\n]\n"


def _api_record(entry: Entry, official_people: frozenset[str]) -> dict:
    source = _source(entry)
    return {
        "id": entry.id,
        "title": entry.title,
        "url": entry_url(entry.id),
        "tags": entry.tags,
        "source": source.get("name"),
        "source_url": source.get("url"),
        "how_chosen": (entry.meta.get("answer") or {}).get("how_chosen"),
        "official": is_official(entry, official_people),
        "updated": _updated(entry),
        "reviewed_by": entry.meta.get("reviewed_by"),
        "reviewed_at": str(entry.meta["reviewed_at"]) if entry.meta.get("reviewed_at") else None,
        "verified_by": entry.meta.get("verified_by"),
        "verified_at": str(entry.meta["verified_at"]) if entry.meta.get("verified_at") else None,
    }


def _source(entry: Entry) -> dict:
    return entry.meta.get("source") or {}


def _updated(entry: Entry) -> str:
    return str(_source(entry).get("updated_at") or entry.meta.get("reviewed_at") or "")
