"""A coder's long session, compressed: 300 keys from the coding screen's key bar, drawn with a fixed
seed, sent to `annotator code` in a real 80x24 tmux, with resizes to 20x8 and back in between. It must
end with no traceback anywhere, an app that still answers, and a database that says what the screen says.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import rows
from test_terminal import pytestmark as needs_tmux, screen, tmux, wait_for  # noqa: F401

pytestmark = [needs_tmux, pytest.mark.slow, pytest.mark.screen]  # skipped without tmux; SQLite alone

# The coding screen's keys as tmux names them: typed characters (sent literally; "dd" answers the
# question a first `d` may ask) and named keys.
CHARACTERS = [*"axAdsnpug[]{}123456+-0", "dd"]
NAMED = ["Tab", "BTab", "Left", "Right", "Up", "Down", "S-Left", "S-Right", "S-Up", "S-Down",
         "PPage", "NPage", "DC", "C-z", "C-y"]
TARGETS = ["Ukraine", "Russia", "United States", "NATO"]
HEADER = re.compile(r"(?:(done|skipped) · )?(\d+) of 25 · done today (\d+)")
# A whole stance row of the side panel: coded "FAVOR ✓", rejected "FAVOR ✗", suggested "FAVOR? 0.54", none "–".
# A row half hidden by a notice does not match, so it is not read.
STANCE_ROW = re.compile(r"[▸ ] (.{13}) (?:(\S+) ✓|\S+ ✗|\S+\? [\d.]+|\S+\?|–) *")


def send(session: str, key: str) -> None:
    tmux("send-keys", "-t", session, *(["-l", key] if key in CHARACTERS else [key]))


def resize(session: str, width: int, height: int) -> None:
    tmux("resize-window", "-t", session, "-x", str(width), "-y", str(height))


def in_step(session: str) -> str:
    """Open the help and close it: once it shows, every key sent before it has been handled."""
    send(session, "?")
    wait_for(session, "escape closes", 15)
    send(session, "Escape")
    deadline = time.monotonic() + 15
    while "escape closes" in (shown := screen(session)) or not HEADER.search(shown) or "Entities" not in shown:
        assert time.monotonic() < deadline, f"the help did not close:\n{shown}"
        time.sleep(0.1)
    return shown


def stance_rows(shown: str) -> dict[str, str | None]:
    """The stance rows visible under "Stance": each target's coded label, None when not coded."""
    side = [line.split("│")[-1][1:] for line in shown.splitlines() if "│" in line]
    heads = [i for i, line in enumerate(side) if line.startswith("Stance")]  # "Stance  by MODEL VERSION"
    rows = side[heads[0] + 1:] if heads else []
    return {m[1].strip(): m[2] for row in rows if (m := STANCE_ROW.fullmatch(row)) and m[1].strip() in TARGETS}


def all_stances_shown(session: str, seconds: float = 20) -> str:
    """The screen once the notices over the stance rows have gone."""
    deadline = time.monotonic() + seconds
    while len(stance_rows(shown := screen(session))) < len(TARGETS):
        assert time.monotonic() < deadline, f"the stance rows never showed:\n{shown}"
        time.sleep(0.2)
    return shown


def stored(db, position: int) -> dict:
    """What the database holds for tim: on the document at `position` in the queue, and done in all
    (all of it done today: the session is a minute old)."""
    (pk,), = rows(db, "SELECT pk FROM document ORDER BY pk LIMIT 1 OFFSET ?", position - 1)
    annotation, status = next(iter(rows(
        db, "SELECT a.pk, a.status FROM annotation a JOIN coder c ON c.pk = a.coder_pk "
        "WHERE c.name = 'tim' AND a.document_pk = ?", pk)), None) or (None, "draft")
    (spans,), = rows(db, "SELECT count(*) FROM annotation_span WHERE annotation_pk = ?", annotation)
    stances = dict(rows(db, "SELECT target, label FROM annotation_stance WHERE annotation_pk = ?", annotation))
    (done,), = rows(db, "SELECT count(*) FROM annotation a JOIN coder c ON c.pk = a.coder_pk "
                    "WHERE c.name = 'tim' AND a.status = 'done'")
    return {"pk": pk, "status": status, "entities": spans, "done today": done,
            "stances": {t: stances.get(t) for t in TARGETS}}


def matches_database(shown: str, db) -> int:
    """The header's status and count of done, the side panel's coded entities and every stance row
    shown, against the database; returns the pk of the document shown."""
    status, position, done_today = HEADER.search(shown).groups()
    on_screen = {"status": status or "draft", "entities": int(re.search(r"Entities (\d+) ✓", shown)[1]),
                 "done today": int(done_today), "stances": stance_rows(shown)}
    held = stored(db, int(position))
    held["stances"] = {t: label for t, label in held["stances"].items() if t in on_screen["stances"]}
    assert on_screen == {k: held[k] for k in on_screen}, shown
    return held["pk"]


def test_300_random_keys_with_resizes(seeded, tmp_path, cli):
    session = f"annotator-soak-{os.getpid()}"  # unique while other test runs share the tmux server
    annotator = Path(sys.executable).with_name("annotator")
    program = annotator if annotator.exists() else f"{sys.executable} -m annotator"
    # Textual draws on stderr, so a traceback lands on the terminal: the pane's whole output goes to a
    # file, and the pane stays after the program ends. Failed workers are written to Textual's log.
    output, textual_log, exit_status = tmp_path / "terminal.out", tmp_path / "textual.log", tmp_path / "exit-status"
    command = f"TEXTUAL_LOG={textual_log} {program} code --coder tim --db {seeded}; echo $? > {exit_status}"
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", "sh", "-c", command,
         ";", "set-option", "-t", session, "remain-on-exit", "on",
         ";", "pipe-pane", "-t", session, "-o", f"cat >> {output}")
    rng = random.Random(8)
    keys = [rng.choice(CHARACTERS + NAMED) for _ in range(300)]
    try:
        wait_for(session, "1 of 25")
        wait_for(session, "? help")
        for i, key in enumerate(keys, 1):
            send(session, key)
            time.sleep(0.04)  # typing fast, but not faster than the app
            if i % 60 == 30:
                resize(session, 20, 8)
            elif i % 60 == 45:
                resize(session, 80, 24)
            elif i % 60 == 0:  # every 60 keys: the app answers and shows what is stored
                matches_database(in_step(session), seeded)
        shown_pk = matches_database(all_stances_shown(session), seeded)

        send(session, "q")
        deadline = time.monotonic() + 10
        while not (exit_status.exists() and exit_status.read_text().strip()):
            assert time.monotonic() < deadline, f"q did not quit:\n{screen(session)}"
            time.sleep(0.1)
        last_screen = screen(session)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)

    assert exit_status.read_text().strip() == "0", last_screen
    assert "Traceback" not in output.read_text("utf-8", errors="replace"), last_screen
    assert "Worker ERROR" not in (textual_log.read_text("utf-8") if textual_log.exists() else "")
    (reopens,), = rows(seeded, "SELECT last_document_pk FROM coder WHERE name = 'tim'")
    annotated = [r[0] for r in rows(
        seeded, "SELECT d.id FROM annotation a JOIN document d ON d.pk = a.document_pk "
        "JOIN coder c ON c.pk = a.coder_pk WHERE c.name = 'tim'")]
    assert reopens == shown_pk  # the next start opens the document that was on the screen
    assert annotated, "300 keys stored nothing"
    for doc_id in annotated:  # every stored annotation reads back
        result = cli("show", doc_id, "--json")
        assert result.code == 0, result.err
        assert [a["coder"] for a in json.loads(result.out)["annotations"]] == ["tim"]
