"""The experts directory and a page per contributor: who answered what, by tag, and the
recognition they earned (answers accepted or marked, entries verified).

Names are the ones entry pages already show (privacy modes apply at harvest). Anyone
privacy.yml hides or excludes now is never listed, even where an older entry names them.
"""

from collections import Counter
from dataclasses import dataclass, field

import jinja2
from slugify import slugify

from harvester.config import Privacy
from harvester.model import Entry
from harvester.templating import numbered_slugs

PEOPLE_DIR = "people"
EXPERTS_PAGE = "experts.md"
TOP_TAGS = 5  # tags shown beside each person in the directory
EXPERTS_PER_TAG = 3
_CONFIRMED = ("accepted", "marked")


@dataclass
class Person:
    name: str
    slug: str = ""
    answers: list[Entry] = field(default_factory=list)
    verified: list[Entry] = field(default_factory=list)
    tags: Counter = field(default_factory=Counter)

    @property
    def confirmed(self) -> int:
        return sum((entry.meta.get("answer") or {}).get("how_chosen") in _CONFIRMED for entry in self.answers)


def people_pages(people: list[Person], templates: jinja2.Environment, tag_slugs: dict[str, str],
                 entry_page) -> dict[str, str]:
    """experts.md and people/SLUG.md for `ranked` people; `entry_page(entry_id)` is an
    entry's page in the tree."""
    pages = {}
    for person in people:
        pages[f"{PEOPLE_DIR}/{person.slug}.md"] = templates.get_template("pages/person.md.j2").render(
            person=person, confirmed=person.confirmed,
            answers=[{"title": e.title, "page": "../" + entry_page(e.id)} for e in sorted(person.answers, key=lambda e: e.title.lower())],
            verified=[{"title": e.title, "page": "../" + entry_page(e.id)} for e in sorted(person.verified, key=lambda e: e.title.lower())],
            tags=[(name, tag_slugs[name], count) for name, count in person.tags.most_common()],
        )
    by_tag: dict[str, list[Person]] = {}
    for person in people:
        for name in person.tags:
            by_tag.setdefault(name, []).append(person)
    pages[EXPERTS_PAGE] = templates.get_template("pages/experts.md.j2").render(
        people=[{"person": p, "confirmed": p.confirmed, "top": [(n, tag_slugs[n]) for n, _ in p.tags.most_common(TOP_TAGS)]}
                for p in people],
        by_tag=[(name, tag_slugs[name], sorted(listed, key=lambda p: (-p.tags[name], p.name.casefold()))[:EXPERTS_PER_TAG])
                for name, listed in sorted(by_tag.items())],
    )
    return pages


def ranked(entries: list[Entry], privacy: Privacy) -> list[Person]:
    """Everyone credited with an answer or a verification, most answers first."""
    unlisted = {name.casefold() for name in (*privacy.hide_names, *privacy.exclude_people)}
    found: dict[str, Person] = {}

    def person(name) -> Person | None:
        if not name or str(name).casefold() in unlisted:
            return None
        return found.setdefault(str(name).casefold(), Person(str(name)))

    for entry in entries:
        if answerer := person((entry.meta.get("answer") or {}).get("author")):
            answerer.answers.append(entry)
            answerer.tags.update(entry.tags)
        if verifier := person(entry.meta.get("verified_by")):
            verifier.verified.append(entry)
    people = sorted(found.values(), key=lambda p: (-len(p.answers), -len(p.verified), p.name.casefold()))
    slugs = numbered_slugs([slugify(p.name, max_length=64) or "person" for p in people], set())
    for listed, slug in zip(people, slugs):
        listed.slug = slug
    return people
