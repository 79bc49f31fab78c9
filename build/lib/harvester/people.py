"""Who may appear, and how: author display modes and the opt-out lists from privacy.yml."""

import hashlib
import re
from dataclasses import dataclass

from harvester.config import Privacy, SourceConfig


@dataclass(frozen=True)
class People:
    mode: str  # real | initials | pseudonym | anonymous
    hidden: frozenset[str]  # names never shown (casefolded)
    excluded: frozenset[str]  # people never harvested (casefolded)

    @classmethod
    def for_source(cls, privacy: Privacy, source: SourceConfig) -> "People":
        return cls(
            mode=source.authors or privacy.authors,
            hidden=frozenset(name.casefold() for name in privacy.hide_names),
            excluded=frozenset(name.casefold() for name in privacy.exclude_people),
        )

    def is_excluded(self, name: str | None) -> bool:
        return bool(name) and name.casefold() in self.excluded

    def shown(self, name: str | None) -> str | None:
        """The name as the site may show it; None when it must not appear at all."""
        if not name or name.casefold() in self.hidden or name.casefold() in self.excluded:
            return None
        if self.mode == "real":
            return name
        if self.mode == "initials":
            return " ".join(f"{word[0].upper()}." for word in re.findall(r"\w+", name)) or None
        if self.mode == "pseudonym":
            # Stable: the same person gets the same pseudonym in every entry and every run.
            return "Contributor " + hashlib.sha256(name.casefold().encode("utf-8")).hexdigest()[:6]
        return None
