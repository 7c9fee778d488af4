"""Seconds a coder actively spends on a document: time between their actions, each gap counted up
to IDLE_AFTER. A coder who walks away for lunch adds two minutes, not an hour."""

from __future__ import annotations

IDLE_AFTER = 120.0


class ActiveTime:
    """Fed the clock's readings at each action; hands out the active seconds not yet taken."""

    def __init__(self, now: float) -> None:
        self._last = now
        self._active = 0.0
        self._taken = 0.0

    def touch(self, now: float) -> None:
        """The coder did something at `now`."""
        self._active += min(max(now - self._last, 0.0), IDLE_AFTER)
        self._last = now

    def take(self, now: float) -> float:
        """Active seconds since the last take (the ones to store now)."""
        self.touch(now)
        return self.take_to_last_action()

    def take_to_last_action(self) -> float:
        """Active seconds up to the coder's last action, not yet taken: leaving a document right after
        the store of its last change then has nothing left to write."""
        seconds, self._taken = self._active - self._taken, self._active
        return seconds

    def total(self, now: float) -> float:
        """Active seconds since the document was opened, as of `now` (for display; changes nothing)."""
        return self._active + min(max(now - self._last, 0.0), IDLE_AFTER)

    def give_back(self, seconds: float) -> None:
        """Seconds taken for a store that failed: taken again with the next one."""
        self._taken -= seconds
