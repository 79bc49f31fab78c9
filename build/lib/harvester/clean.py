"""Harvested text is untrusted: HTML goes through an allowlist sanitizer before anything else."""

import nh3

SAFE_URL_SCHEMES = {"http", "https", "mailto"}
# Ammonia's default tag allowlist, plus the classes that carry a code block's language.
_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
for _tag in ("pre", "code", "span"):
    _ATTRIBUTES.setdefault(_tag, set()).add("class")


def sanitize_html(html: str) -> str:
    """Keep structure and text; drop scripts, handlers, frames, forms, styles and unsafe URLs."""
    return nh3.clean(html, attributes=_ATTRIBUTES, url_schemes=SAFE_URL_SCHEMES, link_rel=None)
