"""Waiting, in tests, for what another process or thread does."""

import time
from collections.abc import Callable


def eventually(condition: Callable[[], bool], seconds: float = 30) -> bool:
    """Whether `condition()` came true within `seconds`, checked every 10 ms."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()
