"""The real program in a real terminal: tmux runs `annotator code`, keys go in with send-keys and the
screen comes back with capture-pane, as a person at an 80x24 terminal would see it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_coding_screen import spans

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def screen(session: str) -> str:
    return tmux("capture-pane", "-t", session, "-p")


def wait_for(session: str, text: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        shown = screen(session)
        if text in shown:
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{shown}")


def test_coding_in_tmux_at_80x24(seeded, tmp_path):
    session = f"annotator-test-{tmp_path.name}"
    annotator = Path(sys.executable).with_name("annotator")
    command = f"{annotator if annotator.exists() else sys.executable + ' -m annotator'} code --coder tim --db {seeded}"
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        wait_for(session, "1 of 25")
        wait_for(session, "? help")  # the key bar, the header, the panel and the article may arrive in separate frames
        wait_for(session, "Stance")
        first = wait_for(session, "Donald Trump's call to Vladimir Putin")
        lines = first.splitlines()
        assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
        assert lines[0].startswith(" annotator · tim · news-stance")
        assert "Donald Trump's call to Vladimir Putin" in first
        assert "Entities 0 ✓" in first and "Stance" in first and "Ukraine" in first
        assert "a accept" in lines[-1] and "? help" in lines[-1]

        tmux("send-keys", "-t", session, "a")
        wait_for(session, "Entities 1 ✓")
        assert spans(seeded, coder="tim") == [(0, 12, "PERSON", "accepted")]

        tmux("send-keys", "-t", session, "d")  # suggestions are left: asked once
        wait_for(session, "undecided")
        tmux("send-keys", "-t", session, "d")
        after = wait_for(session, "2 of 25")
        assert "done today 1" in after and "After visa snags" in after

        tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and subprocess.run(["tmux", "has-session", "-t", session],
                                                              capture_output=True).returncode == 0:
            time.sleep(0.1)
        assert time.monotonic() < deadline, "q did not quit"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    assert spans(seeded, coder="tim") == [(0, 12, "PERSON", "accepted")]
