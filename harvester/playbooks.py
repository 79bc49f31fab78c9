"""Playbooks: curated, ordered walks through entries, written by hand in content/playbooks/.

A playbook is an entry of kind `playbook` (id `playbooks:<name>`): its body is the intro and
its `steps` name the entries to read, in order, each with an optional note.
"""

from harvester.model import Entry

SOURCE = "playbooks"  # their folder in content/, and the source part of their ids


def steps(playbook: Entry) -> list[dict]:
    """Each step as {id, note}; a step may be written as a bare id."""
    return [{"id": step, "note": None} if isinstance(step, str) else {"id": step.get("id"), "note": step.get("note")}
            for step in playbook.meta.get("steps") or []]


def dangling(playbooks: list[Entry], entries: list[Entry], where) -> list[str]:
    """Problems with playbooks that name an entry that does not exist or was rejected."""
    status = {entry.id: entry.status for entry in entries}
    problems = []
    for playbook in playbooks:
        for number, step in enumerate(steps(playbook), 1):
            if step["id"] not in status:
                problems.append(f'{where(playbook)}: step {number} names "{step["id"]}", which does not exist')
            elif status[step["id"]] == "rejected":
                problems.append(f'{where(playbook)}: step {number} names "{step["id"]}", which was rejected')
    return problems
