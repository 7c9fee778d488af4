"""The coding screen's keys as Textual bindings, built from the domain's one key table, and the keys
in force once a coder's remap (`[keys]` in the config file) is laid over them.

Every binding has an id and a tooltip (the help and the palette show them); the app hands the remap
to `App.set_keymap`, so Textual's bindings agree with what the screen dispatches. The codebook's
label and stance keys are not bindings: the screen reads them from the codebook as the coder types them.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

from annotator.domain.codebook import Codebook
from annotator.domain.keymap import DEFAULT_KEYS, KeysInForce
from annotator.domain.screen_keys import SCREEN_KEYS

SCREEN_BINDINGS = [Binding(k.key, k.action, k.description, show=k.show, tooltip=k.tooltip, id=k.id)
                   for k in SCREEN_KEYS]
PALETTE = ("ctrl+p", "palette", "Command palette: every action by name", "app.command_palette")


@dataclass(frozen=True, slots=True)
class CodebookKey:
    char: str  # what the coder types
    action: str
    description: str
    tooltip: str


def codebook_keys(codebook: Codebook) -> dict[str, CodebookKey]:
    """The codebook's label and stance keys by character, labels first."""
    keys = [CodebookKey(e.key, f"label({e.label!r})", f"label {e.label}",
                        f"Label the focused span or the selection {e.label}") for e in codebook.entities]
    keys += [CodebookKey(s.key, f"stance({s.label!r})", f"stance {s.label}",
                         f"Set the focused target's stance to {s.label}") for s in codebook.stances]
    return {k.char: k for k in keys}


def screen_key_actions(keys: KeysInForce = DEFAULT_KEYS) -> dict[str, str]:
    """Key as Textual names it ("y", "question_mark", "ctrl+z") -> the action it runs on the screen."""
    return {key: k.action for k in SCREEN_KEYS for key in keys.keys[k.id]}


def key_table(codebook: Codebook, keys: KeysInForce = DEFAULT_KEYS) -> list[tuple[str, str, str, str]]:
    """(keys, description, tooltip, action) for every key of the coding screen, as in force, the
    codebook's after accept all; keys as Textual names them, several joined by "," (the help and
    the palette show them as typed)."""
    own = [(",".join(keys.keys[k.id]), k.description, k.tooltip, k.action) for k in SCREEN_KEYS]
    labels = [(k.char, k.description, k.tooltip, k.action) for k in codebook_keys(codebook).values()]
    return own[:3] + labels + own[3:] + [PALETTE]


def bar_key(keys: KeysInForce, binding_id: str) -> str:
    """A binding's first key as the key bar shows it: "a", "^z" for ctrl+z."""
    from textual.keys import format_key

    key = keys.keys[binding_id][0]
    return "^" + key.removeprefix("ctrl+") if key.startswith("ctrl+") and len(key) == 6 else format_key(key)
