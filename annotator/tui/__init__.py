"""The Textual coding app. It talks to services only; nothing here runs SQL or loads models itself."""

from __future__ import annotations

import os
import sys

FRAMES_PER_SECOND = 120


def load_textual() -> None:
    """Loads Textual at FRAMES_PER_SECOND, for a command about to run an app. Textual repaints at
    most so many times a second, so a key waits up to one period for its frame: 120 halves the
    default 60's 16.7 ms, and idle screens repaint nothing, so it costs no CPU at rest. Textual reads
    TEXTUAL_FPS once, as it loads: the variable is set for that moment only (a user's own wins), so
    no other code and no child process sees it. Once Textual is loaded this changes nothing."""
    if "textual.constants" in sys.modules:
        return
    had = "TEXTUAL_FPS" in os.environ
    os.environ.setdefault("TEXTUAL_FPS", str(FRAMES_PER_SECOND))
    try:
        import textual.screen  # noqa: F401  its frame period is fixed as it loads
    finally:
        if not had:
            del os.environ["TEXTUAL_FPS"]
