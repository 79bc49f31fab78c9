"""Related entries: the threads the source itself linked, then those sharing the rarest title
words and tags.

Each entry is scored against the others through the words and tags they share, each shared
feature worth its inverse document frequency, so two entries sharing "kubelet" count for more
than two sharing "error". Features found in more than COMMON entries are left out: they say
little, and skipping them keeps the work linear in the number of entries.
"""

import math
import re
from collections import Counter, defaultdict

from harvester.model import Entry

RELATED = 5  # entries listed under "Related questions"
COMMON = 200  # a word or tag in more entries than this does not relate them
_WORD = re.compile(r"[a-z0-9][a-z0-9+#]*")
# Words that carry no topic in a question's title.
_STOPWORDS = frozenset("""
a about after all also an and any are as at be been before being between both but by can cannot could
do does doing done don each error for from get getting gets give has have how i if in into is it its
just like make may more most my need new no not of on one only or other our out over same should so
some such than that the their them then there these they this to too two under up use used using via
was way we what when where whether which while who why will with without work working would you your
""".split())


def related_entries(entries: list[Entry]) -> dict[str, list[str]]:
    """Entry id -> ids of up to RELATED related entries, most related first."""
    features = {entry.id: _features(entry) for entry in entries}
    holders: dict[str, list[str]] = defaultdict(list)
    for entry_id, owned in features.items():
        for feature in owned:
            holders[feature].append(entry_id)
    weight = {feature: math.log(len(entries) / len(ids)) for feature, ids in holders.items() if len(ids) <= COMMON}
    published = set(features)
    found = {}
    for entry in entries:
        linked = [other for other in (entry.meta.get("source") or {}).get("related", []) if other in published and other != entry.id]
        scores: Counter = Counter()
        for feature in features[entry.id]:
            if feature in weight:
                for other in holders[feature]:
                    scores[other] += weight[feature]
        scores.pop(entry.id, None)
        alike = sorted((other for other, score in scores.items() if score > 0 and other not in linked),
                       key=lambda other: (-scores[other], other))
        found[entry.id] = list(dict.fromkeys(linked))[:RELATED] + alike[: max(0, RELATED - len(linked))]
    return found


def _features(entry: Entry) -> set[str]:
    words = {word.rstrip("s") if len(word) > 4 else word for word in _WORD.findall(entry.title.lower())}
    return {f"word:{word}" for word in words if len(word) > 2 and word not in _STOPWORDS} | {f"tag:{tag}" for tag in entry.tags}
