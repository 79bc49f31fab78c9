"""Work done beside the build's own: in a forked process where the system can fork, else in a
thread.

A process, because a thread shares the interpreter lock: while the layout ran, each of the
search index's file operations (deleting the old index, ten thousand files) waited for the
lock, and indexing took up to five times longer.
"""

import ctypes
import functools
import gc
import multiprocessing
import multiprocessing.connection
import os
import queue
import threading
from collections.abc import Callable
from signal import SIGKILL
from typing import Any

from harvester.errors import KbError, described

Signal = Callable[..., None]  # signal(state=None)


class Beside:
    """Starts `function(signal)` at once; with `given`, starts its process at once but calls
    `function(*arguments, signal)` only once `give(*arguments)` hands them over: a process
    forked before the build loads the entries does not share their memory, which it would
    otherwise keep (for the system, as its own) once the build has freed it.

    The function calls `signal(state)` to say how it is going: `signalled()` waits until it
    first has (or has ended), `watch()` tells the last state. `result()` waits for its end and
    returns what it returned, or raises what it raised: a KbError as itself, anything else as
    a KbError naming it. Left without a result (the caller failed), it is stopped."""

    def __init__(self, function: Callable[..., Any], given: bool = False):
        self._outcome: tuple[str, Any] | None = None
        self._signalled = False
        self._state: Any = None
        if "fork" in multiprocessing.get_all_start_methods():
            self._thread = None
            context = multiprocessing.get_context("fork")
            self._receive, send = context.Pipe(duplex=False)
            arguments, self._give = context.Pipe(duplex=False) if given else (None, None)
            # The objects the child inherits stay out of its garbage collector's sight: a pass
            # would write to every one and so copy the parent's memory into the child.
            gc.freeze()
            try:
                self._process = context.Process(target=_run, args=(function, send, arguments, self._give), daemon=True)
                self._process.start()
            finally:
                gc.unfreeze()
            send.close()
            if arguments is not None:
                arguments.close()
        else:
            self._process = None
            self._signal = threading.Event()
            self._arguments: queue.SimpleQueue | None = queue.SimpleQueue() if given else None
            self._thread = threading.Thread(target=self._run_here, args=(function,), daemon=True)
            self._thread.start()

    def give(self, *arguments: Any) -> None:
        """Hand the work (started `given`) its arguments; in a process of its own, a copy."""
        if self._thread is not None:
            self._arguments.put(arguments)
        else:
            self._give.send(arguments)
            self._give.close()

    def _run_here(self, function: Callable[..., Any]) -> None:
        def signal(state: Any = None) -> None:
            self._state = state
            self._signal.set()

        try:
            if self._arguments is not None:
                arguments = self._arguments.get()
                if arguments is None:  # the caller failed before it could give them
                    return
                function = functools.partial(function, *arguments)
            self._outcome = _outcome_of(function, signal)
        finally:
            self._signal.set()

    @property
    def forked(self) -> bool:
        """Whether the work runs in a process of its own (else in a thread of this one)."""
        return self._process is not None

    def watch(self) -> tuple[Any, list] | None:
        """While the work runs in a process of its own: the state it last signalled (None
        before any), and handles that become ready when it signals again or ends, to wait on
        along with others (multiprocessing.connection.wait). Otherwise None."""
        if self._process is None:
            return None
        while self._outcome is None and self._receive.poll():
            self._next_message()
        if self._outcome is not None or multiprocessing.connection.wait([self._process.sentinel], timeout=0):
            return None
        return self._state, [self._receive, self._process.sentinel]

    def signalled(self) -> None:
        if self._thread is not None:
            self._signal.wait()
            return
        while not self._signalled and self._outcome is None:
            self._next_message()

    def result(self) -> Any:
        if self._thread is not None:
            self._thread.join()
        else:
            while self._outcome is None:
                self._next_message()
            self._process.join()
        kind, value = self._outcome or ("error", "a build step stopped unexpectedly")
        if kind == "error":
            raise KbError(value)
        return value

    def _next_message(self) -> None:
        try:
            kind, value = self._receive.recv()
        except EOFError:  # it died before it could say: its exit status tells
            self._process.join()
            raise KbError(f"a build process failed (exit status {self._process.exitcode})") from None
        if kind == "signal":
            self._signalled, self._state = True, value
        else:
            self._outcome = kind, value

    def __enter__(self) -> "Beside":
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        if exc_type is not None and self._thread is not None and self._arguments is not None:
            self._arguments.put(None)  # the thread waiting for them ends
        if exc_type is not None and self._process is not None and self._process.is_alive():
            # The whole group: a process the work started (Pagefind) would otherwise go on
            # writing, into what the next build writes too.
            try:
                os.killpg(self._process.pid, SIGKILL)
            except ProcessLookupError:  # its group is not made yet, nor anything started in it
                self._process.kill()
            self._process.join()


def _run(function: Callable[..., Any], send, arguments, giving) -> None:
    os.setpgid(0, 0)  # a process group of its own, for __exit__ to stop with all it started

    def signal(state: Any = None) -> None:
        send.send(("signal", state))

    if arguments is not None:
        giving.close()  # the parent's end: with it gone, a parent that died is an EOFError here
        try:
            function = functools.partial(function, *arguments.recv())
        except EOFError:
            return
    send.send(_outcome_of(function, signal))


def _outcome_of(function: Callable[[Signal], Any], signal: Signal) -> tuple[str, Any]:
    try:
        return "result", function(signal)
    except Exception as exc:  # reported by the caller, which owns the terminal
        return "error", described(exc)


def release_freed_memory() -> None:
    """Hand memory Python has freed back to the system: the C allocator keeps it otherwise
    (over 200 MB after laying out 20,000 pages), counted against the build while the search
    index is written and in every process forked after."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass
