"""Related entries: the threads the source itself linked, then those sharing the rarest title
words and tags.

Each entry is scored against the others through the words and tags they share, each shared
feature worth its inverse document frequency, so two entries sharing "kubelet" count for more
than two sharing "error". Features found in more than COMMON entries are left out: they say
little, and skipping them keeps the work linear in the number of entries. The scores of all
pairs come from sparse matrix products (entries x features, times its transpose), a block of
entries at a time: a Python loop over shared features took seconds at 20,000 entries.
"""

import math
import re

from harvester.model import Entry

RELATED = 5  # entries listed under "Related questions"
COMMON = 200  # a word or tag in more entries than this does not relate them
BLOCK_ROWS = 2000  # entries scored against all the others at once
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
    """Entry id -> ids of up to RELATED related entries, most related first; ties go to the
    entry listed first."""
    import numpy
    import scipy.sparse

    ids = [entry.id for entry in entries]
    position = {entry_id: index for index, entry_id in enumerate(ids)}
    features = [_features(entry) for entry in entries]
    holders: dict[str, list[int]] = {}
    for index, owned in enumerate(features):
        for feature in owned:
            holders.setdefault(feature, []).append(index)
    rows, columns, values = [], [], []
    for column, held_by in enumerate(ids_ for ids_ in holders.values() if len(ids_) <= COMMON):
        weight = math.sqrt(math.log(len(entries) / len(held_by)))  # squared again by the product
        rows += held_by
        columns += [column] * len(held_by)
        values += [weight] * len(held_by)
    matrix = scipy.sparse.csr_matrix((values, (rows, columns)), shape=(len(entries), max(columns, default=-1) + 1))
    transposed = matrix.T.tocsr()
    found = {}
    for start in range(0, len(entries), BLOCK_ROWS):
        # A block of rows at a time: all pairs' scores at once took 140 MB at 20,000 entries.
        scores = (matrix[start:start + BLOCK_ROWS] @ transposed).tocsr()
        scores.setdiag(0, k=start)  # an entry is not related to itself
        scores.eliminate_zeros()
        for row, entry in enumerate(entries[start:start + BLOCK_ROWS]):
            linked = list(dict.fromkeys(other for other in (entry.meta.get("source") or {}).get("related", [])
                                        if other in position and other != entry.id))[:RELATED]
            begin, end = scores.indptr[row], scores.indptr[row + 1]
            others, weights = scores.indices[begin:end], scores.data[begin:end]
            best = others[numpy.lexsort((others, -weights))]
            alike = [ids[other] for other in best[: RELATED + len(linked)] if ids[other] not in linked]
            found[entry.id] = linked + alike[: RELATED - len(linked)]
    return found


def _features(entry: Entry) -> set[str]:
    words = {word.rstrip("s") if len(word) > 4 else word for word in _WORD.findall(entry.title.lower())}
    return {f"word:{word}" for word in words if len(word) > 2 and word not in _STOPWORDS} | {f"tag:{tag}" for tag in entry.tags}
