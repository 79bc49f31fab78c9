"""The one module that touches MkDocs: render a laid-out tree into a site folder.

Rendering is incremental: MkDocs' "dirty" mode renders only pages whose Markdown is newer
than their HTML (the layout writes only pages whose text changed), and entry pages, being
independent of each other, are shared out among forked processes, one per core at a time.
MkDocs holds every page's HTML until it has written them all, so a big render is cut into
shares of about SHARE_PAGES pages, each a fresh process. The files and the navigation, which
every share needs whole, are made once, before the first fork (see ForkedShares).
"""

import gc
import hashlib
import logging
import math
import multiprocessing
import multiprocessing.connection
import os
import signal
import tempfile
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import NoReturn

import jinja2
import mkdocs.commands.build
import mkdocs.config
import mkdocs.exceptions
import mkdocs.plugins
from mkdocs.structure.files import File, InclusionLevel

from harvester import clean
from harvester.beside import release_freed_memory
from harvester.errors import KbError, described
from harvester.files import folder_digest
from harvester.templating import PACKAGED_TEMPLATES

# kb's Material overrides (header search box, search page): after the workspace's own
# custom_dir, so a company can still override them.
OVERRIDES = PACKAGED_TEMPLATES / "overrides"
_KB_PLUGINS = {"kb-sanitize", "kb-shares", "search", "material/search"}
SHARE_PAGES = 1500  # pages one rendering process takes on: it holds their HTML, about 20 KB a page, to the end
OLD_SITE_PREFIX = ".kb-old-"  # what a build that renders everything removes from the site folder
# Other work of the build, asked how many of the renderers it keeps from running now and for
# handles (multiprocessing.connection.wait) that become ready when that may change: say, one
# while it holds a core.
OtherWork = Callable[[], tuple[int, list]]
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


def set_aside(site_dir: Path, keep: tuple[str, ...] = ()) -> Path | None:
    """Empty the site folder, except the top-level names in `keep`, by moving what it holds into
    a new folder in it, returned for the caller to remove while the build goes on (removing a
    20,000-entry site's 42,000 files took 9 to 18 s). None when there was nothing to move. A
    folder a stopped build left to remove is moved in too."""
    leaving = [child for child in site_dir.iterdir() if child.name not in keep] if site_dir.is_dir() else []
    if not leaving:
        return None
    old = Path(tempfile.mkdtemp(prefix=OLD_SITE_PREFIX, dir=site_dir))
    for child in leaving:
        child.rename(old / child.name)
    return old


def site_url(config_file: Path, docs_dir: Path) -> str | None:
    """The site's public address from mkdocs.yml, for links that leave the site (digests).
    MkDocs validates the whole file, so it is given an existing `docs_dir` to check."""
    with _mkdocs_errors(config_file):
        return _load(config_file, docs_dir=str(docs_dir)).get("site_url") or None


def render(config, jobs: int = 1, pages: int = 0, other_work: OtherWork = lambda: (0, [])) -> None:
    """Render with the real mkdocs in strict mode (any warning fails the build, and says why)
    the pages whose HTML is missing or older than their Markdown, about `pages` of them, with
    up to `jobs` processes at once, fewer while other work of the build keeps some from
    running (see OtherWork)."""
    # A multiple of `jobs`, so that no core idles through the last round.
    shares = jobs * math.ceil(pages / (jobs * SHARE_PAGES))
    # A plugin of the workspace's own might not expect to run once per process.
    own_plugins = set(config.plugins) - _KB_PLUGINS
    forked = None
    if shares > 1 and not own_plugins and hasattr(os, "fork"):
        forked = config.plugins["kb-shares"] = ForkedShares(shares, jobs, other_work)
    else:  # this process is the one renderer: it starts once other work leaves room for it
        kept, changes = other_work()
        while kept >= jobs:
            multiprocessing.connection.wait(changes)
            kept, changes = other_work()
    dirty_notice = _DropDirtyNotice()
    build_logger = logging.getLogger("mkdocs.commands.build")
    build_logger.addFilter(dirty_notice)
    # A renderer, forked inside the build, comes out of it here, and must go no further: the
    # rest of kb's build is this process's alone.
    try:
        with _mkdocs_errors(Path(config.config_file_path)):
            mkdocs.commands.build.build(config, dirty=True)
    except BaseException as exc:
        if forked and forked.share is not None:
            forked.exit_renderer(exc)
        raise
    finally:
        build_logger.removeFilter(dirty_notice)
    if forked and forked.share is not None:
        forked.exit_renderer(None)


class ForkedShares(mkdocs.plugins.BasePlugin):
    """Renders the pages in `shares` forked processes, `jobs` at a time, each taking every
    `shares`-th page by path, fewer while `other_work()` keeps some from running (the search
    index's process, which holds a core until it ends). MkDocs reads the files and makes the
    navigation once, in this process; at the nav event each renderer is forked, inherits them,
    and goes on with the build for its own pages only, then exits (see `render`). This process
    renders what is not a page (static files, the 404 page and the sitemap) and waits for the
    renderers."""

    def __init__(self, shares: int, jobs: int, other_work: OtherWork = lambda: (0, [])):
        super().__init__()
        self.shares, self.jobs, self._other_work = shares, jobs, other_work
        self.share: int | None = None  # in a renderer, the share it renders
        self._waiting = list(range(shares))
        self._running: dict[multiprocessing.connection.Connection, int] = {}
        self._errors: list[str] = []
        self._report: multiprocessing.connection.Connection | None = None

    @mkdocs.plugins.event_priority(-100)  # last, so that the renderers inherit every other plugin's work
    def on_nav(self, nav, *, config, files, **kwargs):
        pages = sorted(files.documentation_pages(), key=lambda file: file.src_uri)
        shares = [pages[share::self.shares] for share in range(self.shares)]
        del pages
        release_freed_memory()
        # Objects the renderers inherit stay out of their garbage collector's sight: its passes
        # would write to every one and so copy this process's whole memory into each renderer.
        gc.freeze()
        self._start_renderers()
        if self.share is None:
            for file in files.documentation_pages():
                file.is_modified = _already_built
            return nav
        # A renderer's build sees its own share's pages only: MkDocs goes through every page
        # at each step, and every file to copy the static ones, and touching an inherited
        # object copies the memory it is in. Every page is still there for links to resolve
        # (files.src_uris). The rest (static files, theme templates) is the parent's.
        mine = shares[self.share]
        files.documentation_pages = lambda *, inclusion=InclusionLevel.is_included: \
            [file for file in mine if inclusion(file.inclusion)]
        files.copy_static_files = lambda *args, **kwargs: None
        config.theme.static_templates.clear()
        config.extra_templates.clear()
        return nav

    def on_post_build(self, **kwargs):
        if self.share is not None:
            return
        while self._running:
            self._wait_for_one()
        gc.unfreeze()
        if self._errors:
            raise KbError(self._errors[0])

    def on_build_error(self, **kwargs):
        if self.share is not None:
            return
        for pid in self._running.values():
            os.kill(pid, signal.SIGTERM)
        while self._running:
            self._wait_for_one()
        gc.unfreeze()

    def exit_renderer(self, error: BaseException | None) -> NoReturn:
        """The end of a renderer's build, however it ended: tell the parent, and exit without
        returning into kb, whose build goes on in the parent only."""
        try:
            self._report.send(error and described(error))
        finally:
            os._exit(0 if error is None else 1)

    def _start_renderers(self) -> None:
        """Start a renderer for each share, `jobs` at a time (fewer while other work keeps some
        from running). A renderer returns from here at once, knowing its share; this process
        returns when the last one has started."""
        while self._waiting:
            kept, changes = self._other_work()
            if len(self._running) + kept >= self.jobs:
                self._wait_for_one(also=changes)  # on a failure, it leaves nothing waiting
                continue
            share = self._waiting.pop(0)
            receive, send = multiprocessing.Pipe(duplex=False)
            pid = os.fork()
            if pid == 0:
                self.share, self._report = share, send
                return
            send.close()
            self._running[receive] = pid

    def _wait_for_one(self, also: Sequence = ()) -> None:
        """Wait until a renderer ends, or one of the handles `also` is ready, whichever comes first."""
        ready = multiprocessing.connection.wait([*self._running, *also])
        receive = next((handle for handle in ready if handle in self._running), None)
        if receive is None:
            return
        pid = self._running.pop(receive)
        try:
            error = receive.recv()
        except EOFError:  # it died before it could say: its exit status tells
            error = None
        status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        receive.close()
        if error or status:
            self._errors.append(error or f"a rendering process failed (exit status {status})")
            self._waiting.clear()  # the build has failed: start nothing more


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
    except jinja2.TemplateSyntaxError as exc:  # in a theme override of the workspace's own
        raise KbError(f"{_shown(Path(exc.filename or exc.name or '?'), config_file.parent)}, line {exc.lineno}: "
                      f"{exc.message}") from None
    except jinja2.TemplateError as exc:
        raise KbError(f"{config_file.name}: a theme template failed: {exc}") from None
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate


def _shown(path: Path, root: Path) -> str:
    """`path` as the workspace's people know it: from the workspace's folder, if it is in it."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()
