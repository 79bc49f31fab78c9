"""The `kb` command: parse, call one function, print. No logic lives here."""

import getpass
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import click

from harvester import build as build_module
from harvester import config, curate, demo as demo_module, harvest as harvest_module, preview, reports, store, workspace
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


def entry_ids(command):
    return click.argument("ids", nargs=-1, required=True, metavar="ID...")(command)


def reason_option(command):
    return click.option("--reason", required=True, help="Why: kept in the entry.")(command)


def curator_option(command):
    return click.option(
        "--by", default=lambda: os.environ.get("KB_CURATOR") or getpass.getuser(),
        show_default="$KB_CURATOR or your login", help="Who decided: recorded in the entry.",
    )(command)


@click.group(cls=_KbGroup, context_settings=CONTEXT)
@click.version_option(package_name="kb-harvester", prog_name="kb")
def cli():
    """kb: turn the best answers from community channels into a curated, searchable site.

    Typical flow: kb init kb && cd kb, edit site_config/sources.yml, then
    kb harvest, kb queue, kb approve --all, kb build.
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
def harvest(root, sources, full, dry_run):
    """Pull new and changed threads from the sources in site_config/sources.yml.

    New entries wait as pending for a curator; rejected ones never come back.

    Example: kb harvest -s qc --dry-run
    """
    root = workspace.open_workspace(root)
    live = LiveCount()
    harvest_module.run(root, only=sources, dry_run=dry_run, full=full,
                       on_source=lambda report: live.source_done(report.summary()), on_thread=live.thread_done)
    if dry_run:
        click.echo("Dry run: nothing was written.")


@cli.command()
@root_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def queue(root, as_json):
    """List what waits for a curator: pending entries and entries changed at source.

    Example: kb queue --json
    """
    items = curate.queue(workspace.open_workspace(root))
    if as_json:
        click.echo(json.dumps([asdict(item) for item in items], indent=2, ensure_ascii=False))
        return
    for item in items:
        click.echo(f"{item.id}\t{item.reason}\t{item.title}")
    click.echo(f"{len(items)} waiting", err=True)


@cli.command()
@root_option
@click.argument("ids", nargs=-1, metavar="ID...")
@click.option("--all", "approve_all", is_flag=True, help="Approve every pending entry.")
@curator_option
def approve(root, ids, approve_all, by):
    """Approve entries for publishing; records who and when.

    Example: kb approve qc:1234 qc:1240 --by "Ada Lovelace"
    """
    if approve_all and ids:
        raise click.UsageError("give entry ids or --all, not both")
    approved = curate.approve(workspace.open_workspace(root), list(ids), approve_all, by)
    click.echo(f"Approved {len(approved)} entries.")


@cli.command()
@root_option
@entry_ids
@reason_option
@curator_option
def reject(root, ids, reason, by):
    """Reject entries: they are never published, and a later harvest never brings them back.

    Example: kb reject qc:1234 --reason "off-topic for us"
    """
    rejected = curate.reject(workspace.open_workspace(root), list(ids), reason, by)
    click.echo(f"Rejected {len(rejected)} entries.")


@cli.command()
@root_option
@entry_ids
@click.option("--every", metavar="INTERVAL", help="This entry's own review interval: days or weeks, like 180d or 26w.")
@curator_option
def verify(root, ids, every, by):
    """Confirm approved entries are still right: records who and when, and restarts their clock.

    Example: kb verify qc:1234 --by "Ada Lovelace" --every 180d
    """
    verified = curate.verify(workspace.open_workspace(root), list(ids), by, every)
    click.echo(f"Verified {len(verified)} entries.")


@cli.command()
@root_option
@entry_ids
@reason_option
@curator_option
def archive(root, ids, reason, by):
    """Take entries off the site, keeping them (and their history) in content/.

    Example: kb archive qc:1234 --reason "tool retired"
    """
    archived = curate.archive(workspace.open_workspace(root), list(ids), reason, by)
    click.echo(f"Archived {len(archived)} entries.")


@cli.command(context_settings={"ignore_unknown_options": True})
@root_option
@click.argument("entry_id", metavar="ID")
@click.argument("changes", nargs=-1, required=True, metavar="+TAG|-TAG...")
@curator_option
def tag(root, entry_id, changes, by):
    """Add (+tag) and remove (-tag) tags; a later source change will not undo it.

    Example: kb tag qc:1234 +vpn -networking
    """
    tags = curate.retag(workspace.open_workspace(root), entry_id, list(changes), by)
    click.echo(f"{entry_id}: {', '.join(tags) or 'no tags'}")


@cli.command()
@root_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def stale(root, as_json):
    """List approved entries due for a re-check (site_config/curation.yml sets the interval).

    Example: kb stale --json
    """
    items = reports.stale(workspace.open_workspace(root))
    if as_json:
        click.echo(json.dumps([asdict(item) for item in items], indent=2, ensure_ascii=False))
        return
    for item in items:
        click.echo(f"{item.id}\t{item.days_overdue} days overdue\t{item.title}")
    click.echo(f"{len(items)} stale", err=True)


@cli.command()
@root_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder [default: ROOT/site].")
@click.option("--audience", type=click.Choice(config.AUDIENCES), help="public: leave out every entry of an internal source.")
def build(root, out, audience):
    """Build the static site from approved entries with MkDocs (strict).

    Example: kb build --out public --audience public
    """
    report = build_module.build(workspace.open_workspace(root), out, audience)
    click.echo(f"Built {report.entries} entries ({report.pages} pages, {report.changed} changed) into {report.out}")


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
    for load in (config.load_sources, config.load_privacy, config.load_curation):
        try:
            load(root)
        except KbError as exc:
            problems.extend(str(exc).splitlines())
    entries, content_problems = store.check_all(root)
    problems.extend(content_problems)
    if fail_on_stale and not problems:
        problems.extend(f"{item.path}: due for review since {item.due[:10]} (kb verify {item.id})"
                        for item in reports.stale(root, entries))
    if problems:
        raise KbError("\n".join(problems))
    click.echo(f"OK: configuration and {len(entries)} entries are valid.")


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


def main() -> None:
    cli(prog_name="kb")


if __name__ == "__main__":
    sys.exit(main())
