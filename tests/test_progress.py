"""Progress shows on a terminal as a live count and in logs as occasional plain lines."""

import io

from harvester.progress import LOG_EVERY, LiveCount


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_one_line_rewritten_in_place():
    screen = Terminal()
    live = LiveCount(screen)
    for _ in range(3):
        live.thread_done("qc", "new")
    assert screen.getvalue() == "\rqc: 1 threads…\rqc: 2 threads…\rqc: 3 threads…"
    assert "\n" not in screen.getvalue()


def test_a_log_gets_a_plain_line_every_so_often():
    log = io.StringIO()
    live = LiveCount(log)
    for _ in range(2 * LOG_EVERY + 5):
        live.thread_done("qc", "new")
    assert log.getvalue().splitlines() == [f"qc: {LOG_EVERY} threads so far", f"qc: {2 * LOG_EVERY} threads so far"]
