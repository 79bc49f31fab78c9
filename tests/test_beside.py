"""Work done beside the build (the search index): its result, its failures and its signal come
back to the build, from a forked process or, where the system cannot fork, from a thread."""

import multiprocessing.connection
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harvester import beside
from harvester.beside import Beside
from harvester.errors import KbError
from waiting import eventually


@pytest.fixture(params=["fork", "thread"])
def mode(request, monkeypatch):
    if request.param == "thread":
        monkeypatch.setattr(beside.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    return request.param


def test_the_result_comes_back(mode):
    with Beside(lambda signal: {"shards": 2, "pid": os.getpid()}) as work:
        result = work.result()
    assert result["shards"] == 2 and (result["pid"] != os.getpid()) == (mode == "fork")


def test_a_kb_error_keeps_its_words_and_any_other_is_named(mode):
    def fails(signal):
        raise KbError("search index: Pagefind: refused")

    with pytest.raises(KbError, match="^search index: Pagefind: refused$"):
        Beside(fails).result()
    with pytest.raises(KbError, match="^ZeroDivisionError: division by zero$"):
        Beside(lambda signal: 1 / 0).result()


def test_the_signal_comes_before_the_end(mode, tmp_path):
    go = tmp_path / "go"

    def waits_for_the_caller(signal):
        signal()
        return eventually(go.exists)

    work = Beside(waits_for_the_caller)
    work.signalled()  # returns while the work goes on: it is waiting for this file
    go.touch()
    assert work.result() is True


def test_a_process_that_dies_is_a_clear_error():
    with pytest.raises(KbError, match=r"a build process failed \(exit status 3\)"):
        Beside(lambda signal: os._exit(3)).result()


def test_its_state_and_handles_to_wait_on_while_a_process_of_its_own_runs(mode, tmp_path):
    def goes_in_steps(signal):
        eventually((tmp_path / "signal").exists)
        signal("half way")
        eventually((tmp_path / "end").exists)

    work = Beside(goes_in_steps)
    assert work.forked == (mode == "fork")
    if mode == "thread":  # nothing to wait on beside this process's own threads
        assert work.watch() is None
    else:
        state, handles = work.watch()
        assert state is None and multiprocessing.connection.wait(handles, timeout=0.2) == []
        (tmp_path / "signal").touch()
        assert multiprocessing.connection.wait(handles, timeout=30)  # ready: it said something
        state, handles = work.watch()
        assert state == "half way" and multiprocessing.connection.wait(handles, timeout=0.2) == []
        (tmp_path / "end").touch()
        assert multiprocessing.connection.wait(handles, timeout=30)
        assert eventually(lambda: work.watch() is None)
    (tmp_path / "signal").touch()
    (tmp_path / "end").touch()
    work.result()


def test_a_failed_build_stops_the_process_and_what_it_started(tmp_path):
    started = tmp_path / "helper-pid"

    def starts_a_helper(signal):  # as the search index starts Pagefind
        helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        started.write_text(str(helper.pid))
        signal()
        helper.wait()

    with pytest.raises(RuntimeError), Beside(starts_a_helper) as work:
        work.signalled()
        raise RuntimeError("the build failed")
    helper = int(started.read_text())
    assert eventually(lambda: not _alive(helper), seconds=10)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has stopped: only its exit status is left


def test_work_started_given_waits_for_its_arguments(mode, tmp_path):
    def writes(name, text, signal):
        (tmp_path / name).write_text(text)
        return name

    with Beside(writes, given=True) as work:
        assert not eventually(lambda: list(tmp_path.iterdir()), seconds=0.3)  # started, waiting
        work.give("note.txt", "given later")
        assert work.result() == "note.txt"
    assert (tmp_path / "note.txt").read_text() == "given later"


def test_work_never_given_its_arguments_ends_with_the_failed_build(mode, tmp_path):
    with pytest.raises(RuntimeError), Beside(lambda path, signal: path.touch(), given=True) as work:
        raise RuntimeError("the build failed before it could give them")
    if mode == "fork":
        assert eventually(lambda: not work._process.is_alive(), seconds=10)
    else:
        assert eventually(lambda: not work._thread.is_alive(), seconds=10)
