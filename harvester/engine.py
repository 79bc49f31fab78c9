"""The one module that touches MkDocs: render a laid-out tree into a site folder.

Rendering is incremental: MkDocs' "dirty" mode renders only pages whose Markdown is newer
than their HTML (the layout writes only pages whose text changed), and entry pages, being
independent of each other, are shared out among forked processes, one per core at a time.
MkDocs holds every page's HTML until it has written them all, so a big render is cut into
shares of at most SHARE_PAGES pages, each a fresh process: memory stays flat as sites grow.
"""

import gc
import hashlib
import logging
import math
import multiprocessing
import multiprocessing.connection
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

import mkdocs.commands.build
import mkdocs.config
import mkdocs.exceptions
import mkdocs.plugins
from mkdocs.structure.files import File

from harvester import clean
from harvester.beside import release_freed_memory
from harvester.errors import KbError
from harvester.files import folder_digest
from harvester.templating import PACKAGED_TEMPLATES

# kb's Material overrides (header search box, search page): after the workspace's own
# custom_dir, so a company can still override them.
OVERRIDES = PACKAGED_TEMPLATES / "overrides"
_KB_PLUGINS = {"kb-sanitize", "kb-share", "search", "material/search"}
SHARE_PAGES = 2500  # pages one rendering process takes on
# The Markdown kb writes itself (badges, notices, collapsed other answers) needs these, whatever
# an older workspace's mkdocs.yml lists.
KB_EXTENSIONS = ("admonition", "attr_list", "pymdownx.details")


def load(config_file: Path, docs_dir: Path, site_dir: Path, nav: Callable[[str], list]):
    """The workspace's mkdocs.yml, validated strictly, pointed at the laid-out tree, with the
    navigation `nav(site_name)` and the page sanitizer plugged in (not optional, so not left
    to mkdocs.yml)."""
    with _mkdocs_errors(config_file):
        config = _load(config_file, strict=True, docs_dir=str(docs_dir), site_dir=str(site_dir))
    config.nav = nav(config.site_name)
    config.markdown_extensions.extend(name for name in KB_EXTENSIONS if name not in config.markdown_extensions)
    config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(OVERRIDES))
    for name in ("search", "material/search"):  # kb indexes the site with Pagefind instead
        if name in config.plugins and "enabled" in config.plugins[name].config:
            config.plugins[name].config.enabled = False
    config.plugins["kb-sanitize"] = SanitizePages()
    return config


def language(config) -> str:
    """The site's language (Material's `theme.language`), as a two-letter code."""
    return str(config.theme.get("language") or "en").split("-")[0].lower()


def signature(config) -> str:
    """What every page's HTML depends on besides its own Markdown: the config, the navigation,
    the theme's versions and override files. A change means every page is rendered again."""
    digest = hashlib.sha256(Path(config.config_file_path).read_bytes())
    for package in ("kb-harvester", "mkdocs", "mkdocs-material"):
        digest.update(f"\0{package} {version(package)}".encode())
    digest.update(repr(config.nav).encode())
    # The workspace's custom_dir and kb's overrides come first (see `load`); the theme's own
    # files are covered by its version.
    for folder in config.theme.dirs[: 2 if config.theme.custom_dir else 1]:
        digest.update(f"\0{folder_digest(Path(folder))}".encode())
    return digest.hexdigest()


def output_of(config, page: str) -> Path:
    """Where the rendered site holds the laid-out file `page` (entries/qc/12.md -> entries/qc/12/index.html)."""
    return Path(File(page, config.docs_dir, config.site_dir, config.use_directory_urls).abs_dest_path)


def clean_site(site_dir: Path, keep: tuple[str, ...] = ()) -> None:
    """Empty the site folder, except the top-level names in `keep`."""
    if not site_dir.is_dir():
        return
    for child in site_dir.iterdir():
        if child.name in keep:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def site_url(config_file: Path, docs_dir: Path) -> str | None:
    """The site's public address from mkdocs.yml, for links that leave the site (digests).
    MkDocs validates the whole file, so it is given an existing `docs_dir` to check."""
    with _mkdocs_errors(config_file):
        return _load(config_file, docs_dir=str(docs_dir)).get("site_url") or None


def render(config, jobs: int = 1, pages: int = 0) -> None:
    """Render with the real mkdocs in strict mode (any warning fails the build, and says why)
    the pages whose HTML is missing or older than their Markdown, about `pages` of them, with
    up to `jobs` processes at once."""
    # A plugin of the workspace's own might not expect to run once per process.
    own_plugins = set(config.plugins) - _KB_PLUGINS
    shares = max(jobs, math.ceil(pages / SHARE_PAGES))
    if shares > 1 and not own_plugins and "fork" in multiprocessing.get_all_start_methods():
        release_freed_memory()
        # Objects the renderers inherit stay out of their garbage collector's sight: its passes
        # would write to every one and so copy the parent's whole memory into each child.
        gc.freeze()
        try:
            _render_forked(config, shares, jobs)
        finally:
            gc.unfreeze()
    else:
        _render_share(config, 0, 1)


def _render_forked(config, shares: int, jobs: int) -> None:
    context = multiprocessing.get_context("fork")
    waiting, running, errors = list(range(shares)), {}, []
    while waiting or running:
        while waiting and len(running) < jobs:
            receive, send = context.Pipe(duplex=False)
            child = context.Process(target=_render_child, args=(config, waiting.pop(0), shares, send), daemon=True)
            child.start()
            send.close()
            running[receive] = child
        for receive in multiprocessing.connection.wait(list(running)):
            child = running.pop(receive)
            try:
                error = receive.recv()
            except EOFError:  # it died before it could say: its exit status tells
                error = None
            child.join()
            if error or child.exitcode:
                errors.append(error or f"a rendering process failed (exit status {child.exitcode})")
                waiting.clear()  # the build has failed: start nothing more
    if errors:
        raise KbError(errors[0])


def _render_child(config, share: int, shares: int, send) -> None:
    try:
        _render_share(config, share, shares)
        send.send(None)
    except KbError as exc:
        send.send(str(exc))
    except BaseException as exc:  # reported by the parent, which owns the terminal
        send.send(f"{type(exc).__name__}: {exc}")


def _render_share(config, share: int, shares: int) -> None:
    config.plugins["kb-share"] = RenderShare(share, shares)
    if share:  # 404.html and sitemap.xml are rendered once, by the first process
        config.theme.static_templates.clear()
    dirty_notice = _DropDirtyNotice()
    build_logger = logging.getLogger("mkdocs.commands.build")
    build_logger.addFilter(dirty_notice)
    try:
        with _mkdocs_errors(Path(config.config_file_path)):
            mkdocs.commands.build.build(config, dirty=True)
    finally:
        build_logger.removeFilter(dirty_notice)


class RenderShare(mkdocs.plugins.BasePlugin):
    """Makes this process render only its share of the pages (every `shares`-th, by path)
    and, unless it is the first, no static files: the others count as already built."""

    def __init__(self, share: int, shares: int):
        super().__init__()
        self.share, self.shares = share, shares

    def on_files(self, files, **kwargs):
        pages = sorted(file.src_uri for file in files if file.is_documentation_page())
        others = set(pages) - set(pages[self.share :: self.shares])
        for file in files:
            if file.src_uri in others or (self.share and not file.is_documentation_page()):
                file.is_modified = _already_built
        return files


def _already_built() -> bool:
    return False


class _DropDirtyNotice(logging.Filter):
    # MkDocs warns that dirty builds may leave navigation stale. kb renders every page again
    # whenever the navigation, config or theme changes (see `signature`), so the warning,
    # which strict mode would count as a failure, does not apply.
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")


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
