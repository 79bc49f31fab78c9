"""How kb reads answers in real chat: what it marks, suggests and skips, and how often the
suggestion agrees with the asker where the asker did say.

For a Slack archive in the Web API layout (messages/<channel>/*.json, threads/<channel>/*.json,
users/*.json), every thread goes through kb's chat rules twice: as archived, and with the
asker's check-mark reactions removed. Where the asker marked a reply, the second pass shows
whether the suggestion would have picked that same reply without the mark.

    python benchmarks/chat_answers.py ../shared/data/slack/julialang-helpdesk-2021
"""

import copy
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from harvester import chat
from harvester.select import best_answer
from harvester.sources.slack_messages import is_conversation, native_id, to_chat, user_name

CHECKS = {"white_check_mark", "heavy_check_mark", "ballot_box_with_check"}


def conversations(archive: Path, strip_asker_marks: bool) -> list[chat.Conversation]:
    users = {path.stem: user_name(json.loads(path.read_text())) for path in (archive / "users").glob("*.json")}
    found = []
    for path in sorted((archive / "threads").glob("*/*.json")):
        messages = [m for m in json.loads(path.read_text()) if is_conversation(m)]
        if strip_asker_marks:
            messages = copy.deepcopy(messages)
            asker = messages[0].get("user")
            for message in messages[1:]:
                for reaction in message.get("reactions", []):
                    if reaction["name"] in CHECKS and asker in reaction.get("users", []):
                        reaction["users"].remove(asker)
                        reaction["count"] -= 1
        chats = [to_chat(m, users, set(), {}, m["ts"]) for m in messages]  # url: the ts, to compare choices
        found.append(chat.Conversation(native_id(path.parent.name, path.stem), chats))
    return found


def choices(archive: Path, strip: bool) -> dict[str, tuple[str, str, float | None, str]]:
    """Thread id -> (how chosen, chosen reply ts, confidence, why); "chatter" or "skipped" otherwise."""
    result = {}
    for thread in chat.threads(conversations(archive, strip), chat.ChatConventions()):
        choice = best_answer(thread, None) if thread.is_question else None
        if not thread.is_question:
            result[thread.native_id] = ("chatter", "", None, "")
        elif choice is None:
            result[thread.native_id] = ("skipped", "", None, "")
        else:
            result[thread.native_id] = (choice.how_chosen, choice.answer.url, choice.confidence, choice.why or "")
    return result


def main(archive: Path) -> None:
    started = time.perf_counter()
    as_archived = choices(archive, strip=False)
    elapsed = time.perf_counter() - started
    without_marks = choices(archive, strip=True)
    kinds = Counter(how for how, _, _, _ in as_archived.values())
    confidences = [confidence for how, _, confidence, _ in as_archived.values() if how == "suggested"]
    print(f"{archive.name}: {len(as_archived)} threads in {elapsed:.2f} s: " + ", ".join(f"{n} {k}" for k, n in kinds.most_common()))
    if confidences:
        print(f"  suggestion confidence: median {statistics.median(confidences):.2f}, "
              f"min {min(confidences):.2f}, max {max(confidences):.2f}")
    reasons = Counter(why.split(" after it")[0] for how, _, _, why in as_archived.values() if how == "marked")
    print("  marked by: " + ", ".join(f"{n} {why}" for why, n in reasons.most_common()))
    checked = {tid: ts for tid, (how, ts, _, why) in as_archived.items() if how == "marked" and why.endswith("from the asker")}
    agree = [tid for tid, ts in checked.items() if without_marks[tid][1] == ts]
    print(f"  the asker's check mark hidden, kb still picks the checked reply in {len(agree)} of {len(checked)} threads "
          f"({', '.join(f'{without_marks[t][0]} {without_marks[t][2] or without_marks[t][3]}' for t in checked)})")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
