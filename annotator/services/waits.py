"""What a service says to the person waiting on something slow they did not ask for (a project
brought to a newer schema: minutes on a big one), once it has taken longer than TELL_AFTER: a
quick one, or one that fails at once (its error said in one line), says nothing. The command
line prints it on stderr; with no one listening it is dropped."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

TELL_AFTER = 1.0  # seconds

_listener: Callable[[str], None] | None = None


def listen(listener: Callable[[str], None] | None) -> None:
    global _listener
    _listener = listener


@contextmanager
def told_if_slow(message: str) -> Iterator[None]:
    """The message, told once the block has run TELL_AFTER seconds and only then."""
    timer = threading.Timer(TELL_AFTER, _tell, [message])
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _tell(message: str) -> None:
    if _listener is not None:
        _listener(message)
