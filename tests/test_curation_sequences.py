"""Random sequences of harvests, curator decisions and source changes keep every promise.

A curator's edit is never lost (unless that curator accepts the source's version), nor is an
answer merged in, a rejected entry never returns to pending, no entry exists twice, and every
file stays valid.
"""

import shutil
import tempfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from harvester import curate, harvest, store, workspace
from harvester.errors import KbError
from harvester.review_queue import pending_proposal

QUESTIONS = ("1", "3", "5")  # few, so that decisions and changes often meet on one entry
SUBJECTS = ("the VPN client", "the staging database", "the build cache")
question_ids = st.sampled_from(QUESTIONS)


class CurationSequences(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="kb-sequence-"))
        self.root = workspace.init(self.folder / "ws", site_name="Sequences")
        self.dump = self.folder / "dump"
        self.dump.mkdir()
        (self.root / "site_config" / "sources.yml").write_text(f"sources:\n  - name: s\n    type: stackexchange-dump\n    path: {self.dump}\n")
        self.versions = dict.fromkeys(QUESTIONS, 0)
        self.present = set(QUESTIONS)
        self.rejected: set[str] = set()
        self.edits: dict[str, list[str]] = {}  # entry id -> markers a curator typed into it
        self.merged: dict[str, int] = {}  # entry id -> how many duplicates were merged into it
        self.typed = 0
        self._write_dump()

    def teardown(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- the source ---------------------------------------------------------------------
    def _write_dump(self) -> None:
        rows = []
        for number, (qid, subject) in enumerate(zip(QUESTIONS, SUBJECTS)):
            if qid not in self.present:
                continue
            answer = str(int(qid) + 1)
            rows.append(f'<row Id="{qid}" PostTypeId="1" AcceptedAnswerId="{answer}" Score="3" Title={quoteattr(f"How do I fix {subject}?")} '
                        f'Body={quoteattr(f"<p>Question {number} about {subject}.</p>")} Tags="&lt;t{number}&gt;" '
                        f'CreationDate="2024-01-0{number + 1}T10:00:00.000" LastActivityDate="2024-02-0{number + 1}T10:00:00.000" />')
            rows.append(f'<row Id="{answer}" PostTypeId="2" ParentId="{qid}" Score="5" '
                        f'Body={quoteattr(f"<p>Answer version {self.versions[qid]} for {subject}.</p>")} '
                        f'CreationDate="2024-01-0{number + 1}T11:00:00.000" />')
        (self.dump / "Posts.xml").write_text('<?xml version="1.0" encoding="utf-8"?>\n<posts>\n' + "\n".join(rows) + "\n</posts>\n")

    @rule(qid=question_ids, then_harvest=st.booleans())
    def change_at_source(self, qid, then_harvest):
        self.versions[qid] += 1
        self._write_dump()
        if then_harvest:
            harvest.run(self.root)

    @rule(qid=question_ids)
    def delete_or_restore_at_source(self, qid):
        self.present ^= {qid}
        self._write_dump()

    @initialize()
    def first_harvest(self):
        harvest.run(self.root)

    @rule()
    def harvest(self):
        harvest.run(self.root)

    # -- curators -----------------------------------------------------------------------
    def _entry(self, qid):
        return store.read_if_exists(store.entry_path(self.root, f"s:{qid}"), self.root)

    def _try(self, action, *args) -> bool:
        """Curators may try anything; a refusal must be a clean KbError that changes nothing."""
        before = self._snapshot()
        try:
            action(self.root, *args)
        except KbError:
            assert self._snapshot() == before
            return False
        return True

    def _snapshot(self) -> dict[str, bytes]:
        return {path.name: path.read_bytes() for path in (self.root / "content").rglob("*.md")}

    @rule(qid=question_ids)
    def approve(self, qid):
        self._try(curate.approve, [f"s:{qid}"], False, "ann")

    @rule(qid=question_ids, really=st.integers(0, 3))
    def reject(self, qid, really):
        if really == 0 and self._try(curate.reject, [f"s:{qid}"], "not for us", "ann"):  # rarer than the rest
            self.rejected.add(f"s:{qid}")

    @rule(qid=question_ids)
    def edit(self, qid):
        entry = self._entry(qid)
        if entry is None or entry.status not in ("pending", "approved"):
            return
        self.typed += 1
        marker = f"Curator note {self.typed}."
        original = curate.read_for_edit(self.root, entry.id)
        curate.save_edit(self.root, entry.id, original, original.rstrip() + f"\n\n{marker}\n", "bo")
        self.edits.setdefault(entry.id, []).append(marker)

    @rule(pick=st.integers(0, len(QUESTIONS) - 1), take=st.booleans())
    def decide_source_change(self, pick, take):
        waiting = [entry for qid in QUESTIONS if (entry := self._entry(qid)) is not None
                   and entry.status in ("pending", "approved") and pending_proposal(self.root, entry) is not None]
        if not waiting:
            return
        entry = waiting[pick % len(waiting)]
        if take:
            curate.accept(self.root, [entry.id], "cy")
            self.edits.pop(entry.id, None)  # the curator chose the source's text over the edit
        else:
            curate.dismiss(self.root, [entry.id], "cy")

    @rule(qid=question_ids, into=question_ids)
    def merge(self, qid, into):
        target = self._entry(into)
        if self._try(curate.merge, f"s:{qid}", f"s:{into}", "dee") and target is not None:
            # The duplicate's answer moves over with any answers merged into it before.
            self.merged[target.id] = self.merged.get(target.id, 0) + 1 + self.merged.get(f"s:{qid}", 0)

    # -- the promises ---------------------------------------------------------------------
    @invariant()
    def files_are_valid_and_entries_unique(self):
        entries, problems = store.check_all(self.root)
        assert problems == []
        assert len({entry.id for entry in entries}) == len(entries) == len(list((self.root / "content").rglob("[0-9]*.md"))) - len(
            list((self.root / "content").rglob("*.proposed.md")))
        for proposal in (self.root / "content").rglob("*.proposed.md"):
            store.read(proposal, self.root)

    @invariant()
    def rejected_stays_rejected(self):
        for entry_id in self.rejected:
            assert store.read(store.entry_path(self.root, entry_id), self.root).status == "rejected"

    @invariant()
    def edits_are_never_lost(self):
        for entry_id, markers in self.edits.items():
            body = store.read(store.entry_path(self.root, entry_id), self.root).body
            for marker in markers:
                assert marker in body, f"{entry_id} lost {marker!r}"

    @invariant()
    def merged_answers_are_never_lost(self):
        for entry_id, count in self.merged.items():
            body = store.read(store.entry_path(self.root, entry_id), self.root).body
            assert body.count("## Also answered in") == count, f"{entry_id} should hold {count} merged answers"


CurationSequences.TestCase.settings = settings(max_examples=100, stateful_step_count=30, deadline=None)
test_curation_sequences = CurationSequences.TestCase
