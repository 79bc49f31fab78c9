"""Source types, registered by the name sources.yml uses for them.

A source knows its platform and nothing else. Constructed with its name and validated
options, it offers:
- `threads(since)`: yields `Thread`s changed after the cursor `since` (None: everything);
- `cursor`: after the iteration, the cursor to save for the next run (None: none kept);
- `still_at_source`: after the iteration, the native id of every thread the source still has,
  when the listing was complete (a full read); None when it cannot tell. Entries missing
  from it are flagged as deleted at source.
- `min_answer_score`: the score an unaccepted answer needs to be published (None: never).
It never writes files and never decides curation.
"""

SOURCE_TYPES: dict[str, type] = {}


class ReadWhole:
    """What sources read whole on every run (exports, lists, feeds) share: no cursor to keep,
    no score rule; `still_at_source` is set by those whose reading lists everything."""

    min_answer_score = None
    cursor = None

    def __init__(self, name: str, options):
        self.name, self.options = name, options
        self.still_at_source: set[str] | None = None


def register(type_name: str):
    def add(cls: type) -> type:
        SOURCE_TYPES[type_name] = cls
        return cls

    return add


# Imported after `register` exists: each module registers itself on import.
from harvester.sources import (  # noqa: E402,F401
    discord_export,
    discourse,
    github_discussions,
    links,
    rss,
    slack,
    slack_export,
    stackexchange_api,
    stackexchange_dump,
    teams_export,
)
