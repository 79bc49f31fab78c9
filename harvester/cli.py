"""The `kb` command: parse, call one function, print. No logic lives here."""

import sys
from pathlib import Path

import click

from harvester import build as build_module
from harvester import config, demo as demo_module, harvest as harvest_module, playbooks, preview, reports, store, templating, workspace
from harvester import digest as digest_module
from harvester import linkcheck
from harvester.lock import workspace_lock
from harvester.frontmatter import parse_days
from harvester.errors import KbError
from harvester.progress import LiveCount

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _KbGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KbError as exc:
            click.echo(str(exc), err=True)
            ctx.exit(1)
        except OSError as exc:  # a disk full, a permission denied: the user's to fix, not a bug
            click.echo(f"{exc.filename or 'kb'}: {exc.strerror or exc}", err=True)
            ctx.exit(1)


def root_option(command):
    return click.option(
        "--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
        help="The workspace folder (mkdocs.yml, site_config/, content/).",
    )(command)


@click.group(cls=_KbGroup, context_settings=CONTEXT)
@click.version_option(package_name="kb-harvester", prog_name="kb")
def cli():
    """kb: turn the best answers from community channels into a curated, searchable site.

    Typical flow: kb init kb && cd kb, edit site_config/sources.yml, then
    kb harvest, kb review (or kb queue and kb approve), kb build.
    """


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@root_option
@click.option("--site-name", default="Knowledge base", show_default=True, help="The site's title.")
def init(directory, root, site_name):
    """Create a workspace: mkdocs.yml, site_config/sources.yml (commented example), content/.

    Example: kb init company-kb --site-name "Acme answers"
    """
    created = workspace.init(directory or root, site_name=site_name)
    click.echo(f"Workspace ready in {created}. Next: add a source to site_config/sources.yml, then kb harvest.")


@cli.command()
@root_option
@click.option("-s", "--source", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.option("--full", is_flag=True, help="Re-read everything, ignoring where the last run stopped.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--offline", is_flag=True, help="Fetch no web page to fill a resource's missing title or description.")
def harvest(root, sources, full, dry_run, offline):
    """Pull new and changed threads from the sources in site_config/sources.yml.

    New entries wait as pending for a curator; rejected ones never come back.

    Example: kb harvest -s qc --dry-run
    """
    root = workspace.open_workspace(root)
    live = LiveCount()
    harvest_module.run(root, only=sources, dry_run=dry_run, full=full, offline=offline,
                       on_source=lambda report: live.source_done(report.summary(), report.warnings), on_thread=live.thread_done,
                       on_duplicates=_report_duplicates)
    if dry_run:
        click.echo("Dry run: nothing was written.")


@cli.group()
def links():
    """Check the links entries and resources point to. Subcommands take --root.

    Example: kb links check
    """


@links.command("check")
@root_option
@click.option("--timeout", default=10.0, show_default=True, help="Seconds to wait for each link.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST", help="A private host to check too (repeatable).")
def links_check(root, timeout, allow_hosts):
    """Check every resource URL and every link in entries, two at a time per host; record the
    broken ones with the date first seen (content/link-check.yml). Nothing is deleted: pages
    flag them and kb queue lists the entries.

    Example: kb links check --timeout 5
    """
    root = workspace.open_workspace(root)
    with workspace_lock(root, "kb links check"):
        report = linkcheck.check(root, timeout, tuple(allow_hosts))
    click.echo(linkcheck.summary(report))


def _report_duplicates(flagged: int) -> None:
    if flagged:
        click.echo(f"{flagged} entries may duplicate another (see kb queue)")


@cli.command()
@root_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder [default: ROOT/site].")
@click.option("--audience", type=click.Choice(config.AUDIENCES), help="public: leave out every entry of an internal source.")
@click.option("--full", is_flag=True, help="Render every page and rebuild the search index, whatever changed.")
def build(root, out, audience, full):
    """Build the static site from approved entries with MkDocs (strict), and its search index.

    A rebuild renders only the pages whose content changed and reindexes only the parts of
    the search index holding changed entries; a new config or theme renders everything.

    Example: kb build --out public --audience public
    """
    report = build_module.build(workspace.open_workspace(root), out, audience, full=full)
    rendered = "all rendered" if report.rebuilt else f"{report.changed} changed"
    click.echo(f"Built {report.entries} entries ({report.pages} pages, {rendered}; "
               f"search: {report.search.reindexed} of {report.search.parts} parts reindexed) into {report.out}")


@cli.command()
@root_option
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
def serve(root, port):
    """Build the site and serve it on this machine for a look.

    Example: kb serve --port 8080
    """
    report = build_module.build(workspace.open_workspace(root))
    preview.serve(report.out, port, on_ready=lambda url: click.echo(f"Serving {report.out} at {url} (Ctrl+C stops)"))


@cli.command()
@root_option
@click.option("--fail-on-stale", is_flag=True, help="Also fail when an approved entry is past its review date.")
def check(root, fail_on_stale):
    """Validate site_config/ and every content file; exit 1 listing every problem (a CI gate).

    Example: kb check --root company-kb --fail-on-stale
    """
    root = workspace.open_workspace(root)
    problems = []
    for load in (config.load_sources, config.load_privacy, config.load_curation, config.load_taxonomy):
        try:
            load(root)
        except KbError as exc:
            problems.extend(str(exc).splitlines())
    entries, content_problems = store.check_all(root)
    problems.extend(content_problems)
    problems.extend(playbooks.dangling([e for e in entries if e.meta["kind"] == "playbook"], entries,
                                       lambda playbook: store.entry_path(root, playbook.id).relative_to(root).as_posix()))
    if fail_on_stale and not problems:
        problems.extend(f"{item.path}: due for review since {item.due[:10]} (kb verify {item.id})"
                        for item in reports.stale(root, entries))
    if problems:
        raise KbError("\n".join(problems))
    click.echo(f"OK: configuration and {len(entries)} entries are valid.")


@cli.command()
@root_option
@click.option("--since", default="7d", show_default=True, help="The period: days or weeks, like 7d or 2w.")
@click.option("--format", "form", type=click.Choice(digest_module.FORMATS), default="md", show_default=True,
              help="md: Markdown; slack: a Block Kit payload for an incoming webhook; html: a page.")
def digest(root, since, form):
    """Summarize the entries approved or updated in a period, with their contributors.

    Example: kb digest --since 7d --format slack > digest.json
    """
    days = parse_days(since)
    if days is None:
        raise click.BadParameter(f"takes days or weeks like 7d or 2w, got {since!r}", param_hint="--since")
    root = workspace.open_workspace(root)
    click.echo(digest_module.render(digest_module.collect(root, days), form, templating.environment(root)), nl=False)


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@root_option
@click.option("--serve", "then_serve", is_flag=True, help="Serve the site once built.")
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1, with --serve.")
def demo(directory, root, then_serve, port):
    """Harvest the bundled example exports into a workspace, approve them, build the site.

    DIRECTORY defaults to ./kb-demo; running it again reuses the workspace.

    Example: kb demo --serve
    """
    target = directory or (root if root != Path(".") else Path("kb-demo"))
    report = demo_module.run(target, on_step=click.echo)
    click.echo(f"Site built: open {report.out / 'index.html'}")
    if then_serve:
        preview.serve(report.out, port, on_ready=lambda url: click.echo(f"Serving at {url} (Ctrl+C stops)"))


# Registered on `cli` when imported: the curation commands live in a module of their own.
from harvester import cli_curation  # noqa: E402,F401


def main() -> None:
    cli(prog_name="kb")


if __name__ == "__main__":
    sys.exit(main())
