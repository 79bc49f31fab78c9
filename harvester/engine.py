"""The one module that touches MkDocs: render a laid-out tree into a site folder."""

import logging
from contextlib import contextmanager
from pathlib import Path

import mkdocs.commands.build
import mkdocs.config
import mkdocs.exceptions
import mkdocs.plugins

from harvester import clean
from harvester.errors import KbError


def load(config_file: Path, docs_dir: Path, site_dir: Path, nav: list):
    """The workspace's mkdocs.yml, validated strictly, pointed at the laid-out tree, with the
    page sanitizer plugged in (not optional, so not left to mkdocs.yml)."""
    with _mkdocs_errors(config_file):
        config = _load(config_file, strict=True, docs_dir=str(docs_dir), site_dir=str(site_dir), nav=nav)
    config.plugins["kb-sanitize"] = SanitizePages()
    return config


def site_url(config_file: Path, docs_dir: Path) -> str | None:
    """The site's public address from mkdocs.yml, for links that leave the site (digests).
    MkDocs validates the whole file, so it is given an existing `docs_dir` to check."""
    with _mkdocs_errors(config_file):
        return _load(config_file, docs_dir=str(docs_dir)).get("site_url") or None


def render(config) -> None:
    """Build with the real mkdocs in strict mode: any warning fails the build, and says why."""
    with _mkdocs_errors(Path(config.config_file_path)):
        mkdocs.commands.build.build(config)


class SanitizePages(mkdocs.plugins.BasePlugin):
    """The last gate: every page body, as Markdown rendered it, through the allowlist."""

    def on_page_content(self, html: str, **kwargs) -> str:
        return clean.sanitize_page(html)


def _load(config_file: Path, **overrides):
    try:
        return mkdocs.config.load_config(config_file=str(config_file), **overrides)
    except OSError as exc:
        raise KbError(f"{config_file.name}: cannot read: {exc.strerror}") from None


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _mkdocs_errors(config_file: Path):
    """MkDocs logs what went wrong and then raises a generic Abort: turn both into one KbError."""
    collect = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collect)
    propagate, logger.propagate = logger.propagate, False  # we report these ourselves
    try:
        yield
    except mkdocs.exceptions.MkDocsException as exc:
        details = "; ".join(collect.messages) or str(exc)
        raise KbError(f"{config_file.name}: {details}") from None
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate
