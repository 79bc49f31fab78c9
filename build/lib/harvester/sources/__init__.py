"""Source types, registered by the name sources.yml uses for them.

A source knows its platform and nothing else: it takes its validated options and yields
`Thread`s. It never writes files and never decides curation.
"""

SOURCE_TYPES: dict[str, type] = {}


def register(type_name: str):
    def add(cls: type) -> type:
        SOURCE_TYPES[type_name] = cls
        return cls

    return add


# Imported after `register` exists: each module registers itself on import.
from harvester.sources import stackexchange_dump  # noqa: E402,F401
