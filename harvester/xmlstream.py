"""Streaming XML rows with entity expansion and DTDs refused (billion laughs, XXE)."""

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree

from harvester.errors import KbError


def rows(path: Path, root_tag: str) -> Iterator[dict[str, str]]:
    """Yield the attributes of each `<row>` under `<root_tag>`, in file order.

    Each element is cleared once read, so memory stays flat however large the file.
    """
    try:
        events = defusedxml.ElementTree.iterparse(
            str(path), events=("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        _, root = next(events)
        if root.tag != root_tag:
            raise KbError(f"{path}: expected a <{root_tag}> document, found <{root.tag}>")
        for event, element in events:
            if event == "end" and element.tag == "row":
                yield dict(element.attrib)
                root.clear()  # drop the rows already read
    except ParseError as exc:
        line, column = exc.position
        raise KbError(f"{path}: not well-formed XML at line {line}, column {column} (truncated or corrupt?)") from None
    except defusedxml.DefusedXmlException as exc:
        raise KbError(f"{path}: refused: the file declares {_what(exc)}; dumps never do") from None
    except OSError as exc:
        raise KbError(f"{path}: cannot read: {exc.strerror}") from None
    except (LookupError, UnicodeError) as exc:  # an encoding the file declares but Python lacks, or breaks
        raise KbError(f"{path}: not readable XML: {exc} (truncated or corrupt?)") from None


def _what(exc: Exception) -> str:
    if isinstance(exc, defusedxml.DTDForbidden):
        return "a DTD (entity-expansion or external-entity attack?)"
    if isinstance(exc, defusedxml.EntitiesForbidden):
        return "entities (entity-expansion attack?)"
    return "external references"
