"""What the coding screen uses of the app it runs in, so the screen's modules need not import the
app's (which imports them): notices that replace each other, the keys in force, and the counters
that keep garbage collection for idle moments."""

from __future__ import annotations

from typing import Protocol

from textual.notifications import SeverityLevel

from annotator.domain.keymap import KeysInForce


class CodingAppParts(Protocol):
    stores_under_way: int  # large stores running in workers
    last_activity: float  # monotonic seconds of the coder's last key
    keys_in_force: KeysInForce

    def say(self, message: str, title: str = "", severity: SeverityLevel = "information",
            timeout: float | None = None) -> None: ...

    def unsay(self) -> None: ...
