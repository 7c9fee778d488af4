"""What a service says to the person waiting when it starts something slow that they did not ask
for (a project brought to a newer schema: minutes on a big one). The command line prints it on
stderr; with no one listening it is dropped."""

from __future__ import annotations

from collections.abc import Callable

_listener: Callable[[str], None] | None = None


def listen(listener: Callable[[str], None] | None) -> None:
    global _listener
    _listener = listener


def tell(message: str) -> None:
    if _listener is not None:
        _listener(message)
