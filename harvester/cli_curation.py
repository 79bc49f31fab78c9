"""The curators' commands: the queue, review, and one command per decision.

Each prints what it did; the decisions themselves live in curate.py.
"""

import getpass
import json
import os
import sys
from dataclasses import asdict

import click

from harvester import curate, reports, review_queue, store, workspace
from harvester import review as review_module
from harvester.cli import cli, root_option
from harvester.errors import KbError


def entry_ids(command):
    return click.argument("ids", nargs=-1, required=True, metavar="ID...")(command)


def reason_option(command):
    return click.option("--reason", required=True, help="Why: kept in the entry.")(command)


def curator_option(command):
    return click.option(
        "--by", default=lambda: os.environ.get("KB_CURATOR") or getpass.getuser(),
        show_default="$KB_CURATOR or your login", help="Who decided: recorded in the entry.",
    )(command)



@cli.command()
@root_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--owner", metavar="NAME", help="Only entries whose tags NAME owns (site_config/curation.yml).")
def queue(root, as_json, owner):
    """List what waits for a curator, and why: deleted at source, changed at source, possible
    duplicate, pending or stale. The JSON adds owners, similar entries and source diffs.

    Example: kb queue --json --owner "Ada Lovelace"
    """
    items = review_queue.queue(workspace.open_workspace(root), owner)
    if as_json:
        click.echo(json.dumps([asdict(item) for item in items], indent=2, ensure_ascii=False))
        return
    for item in items:
        click.echo(f"{item.id}\t{item.reason}\t{item.title}")
    click.echo(f"{len(items)} waiting", err=True)


@cli.command()
@root_option
@click.argument("ids", nargs=-1, metavar="ID...")
@click.option("--all", "approve_all", is_flag=True, help="Approve every pending entry whose answer was not only suggested.")
@curator_option
def approve(root, ids, approve_all, by):
    """Approve entries for publishing; records who and when.

    Example: kb approve qc:1234 qc:1240 --by "Ada Lovelace"
    """
    if approve_all and ids:
        raise click.UsageError("give entry ids or --all, not both")
    root = workspace.open_workspace(root)
    approved = curate.approve(root, list(ids), approve_all, by)
    click.echo(f"Approved {len(approved)} entries.")
    if approve_all and (left := curate.suggested_pending(root)):
        click.echo(f"Left {len(left)} suggested answers for review: approve them by id, or with kb review.")


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
@click.argument("entry_id", metavar="ID")
def diff(root, entry_id):
    """Show how the source's newer version of an entry differs from the current text.

    Example: kb diff qc:1234
    """
    root = workspace.open_workspace(root)
    entry = store.read_if_exists(store.entry_path(root, entry_id), root)
    if entry is None:
        raise KbError(f'kb diff: no entry with id "{entry_id}"')
    proposal = review_queue.pending_proposal(root, entry)
    if proposal is None:
        raise KbError(f'kb diff: "{entry_id}" has no change from its source waiting')
    click.echo(review_queue.change_diff(entry, proposal), nl=False)


@cli.command()
@root_option
@entry_ids
@curator_option
def accept(root, ids, by):
    """Take the source's newer version of entries changed at source (see kb diff).

    Curation keys and answers merged in are kept. Example: kb accept qc:1234
    """
    accepted = curate.accept(workspace.open_workspace(root), list(ids), by)
    click.echo(f"Updated {len(accepted)} entries from their source.")


@cli.command()
@root_option
@entry_ids
@curator_option
def dismiss(root, ids, by):
    """Keep the current text of entries changed at source; that version is not proposed again.

    Example: kb dismiss qc:1234
    """
    dismissed = curate.dismiss(workspace.open_workspace(root), list(ids), by)
    click.echo(f"Kept the current text of {len(dismissed)} entries.")


@cli.command()
@root_option
@click.argument("entry_id", metavar="ID")
@click.option("--into", "target", required=True, metavar="ID", help="The entry that stays.")
@curator_option
def merge(root, entry_id, target, by):
    """Merge a duplicate into another entry: its answer is appended there, it is archived,
    and its page redirects to the target's.

    Example: kb merge slack:1700000000.1234 --into qc:1234
    """
    curate.merge(workspace.open_workspace(root), entry_id, target, by)
    click.echo(f"Merged {entry_id} into {target}.")


@cli.command()
@root_option
@click.argument("entry_id", metavar="ID")
@click.argument("other_id", metavar="OTHER_ID")
@curator_option
def distinct(root, entry_id, other_id, by):
    """Record that two entries flagged as possible duplicates are different questions.

    Example: kb distinct qc:1234 qc:1240
    """
    curate.distinct(workspace.open_workspace(root), entry_id, other_id, by)
    click.echo(f"{entry_id} and {other_id} are kept apart.")


@cli.command()
@root_option
@click.argument("entry_id", metavar="ID")
@curator_option
def edit(root, entry_id, by):
    """Edit an entry in $VISUAL or $EDITOR; it is checked before it is saved.

    A later change at the source never overwrites an edit: it waits as a proposal.

    Example: kb edit qc:1234 (with EDITOR=nano set, say)
    """
    root = workspace.open_workspace(root)
    original = curate.read_for_edit(root, entry_id)
    edited = click.edit(original, extension=".md", require_save=True)
    saved = edited is not None and curate.save_edit(root, entry_id, original, edited, by)
    click.echo(f"Saved {entry_id}." if saved else "No change.")


@cli.command()
@root_option
@click.option("--owner", metavar="NAME", help="Only entries whose tags NAME owns.")
@curator_option
def review(root, owner, by):
    """Walk the queue one entry at a time, deciding each with a key.

    Without a terminal, keys are read one per line from standard input, so a session can be
    scripted: printf 'a\\nr\\nduplicate\\nq\\n' | kb review

    Example: kb review --owner "Ada Lovelace"
    """
    keys = review_module.Keys(interactive=sys.stdin.isatty(), editor=lambda text: click.edit(text, extension=".md", require_save=True))
    decided = review_module.Session(workspace.open_workspace(root), keys, by).run(owner)
    summary = ", ".join(f"{count} {what}" for what, count in sorted(decided.items())) or "nothing decided"
    click.echo(f"Review done: {summary}.")
