"""What may reach a person's terminal: text without control characters, names without them, URLs
without passwords. Pure functions, used by the command line, the screen and the loaders alike.

A document, a title, a coder name or a label can hold an escape sequence (ESC ] 0 ; ... retitles
the terminal, ESC [ 2 J clears it) that a terminal obeys when the text is printed raw, or a bidi
override (U+202E) that shows what follows it reversed: "alice" stored as U+202E "ecila". Texts keep
every character (a zero-width joiner belongs in Persian and in emoji); what is printed loses the
bidi overrides and isolates, and names, labels and ids refuse every invisible format character.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# C0 controls but tab and newline, DEL, and C1 controls (0x9b is CSI on terminals that read 8-bit C1),
# and the bidi embeddings, overrides and isolates, which reorder what follows them on the line.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# tab and newline too: a name, a painted line
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_C0_C1_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """`text` without control characters (ESC, CR, BEL, DEL, C1, ...) or bidi overrides and isolates;
    tabs and newlines, which are content, stay. Each removed character takes no cell on a terminal:
    widths stay the same."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def one_line(text: str) -> str:
    """`text` without any control character, tabs and newlines included: one painted line."""
    return _CONTROL_IN_LINE.sub("", text) if _CONTROL_IN_LINE.search(text) else text


def json_for_terminal(text: str) -> str:
    """JSON text (json.dumps with ensure_ascii=False escapes C0 but writes DEL, C1 and the bidi
    controls raw) with those escaped as \\uXXXX: the same JSON value, safe to print."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def format_character(text: str) -> str | None:
    """The first invisible format character (Unicode category Cf: bidi controls, zero-width space,
    word joiner, soft hyphen, ...) in `text` as U+XXXX, or None. A name holding one looks like
    another name, or like nothing."""
    if text.isascii():  # (ASCII holds none: the common case costs one scan in C)
        return None
    return next((f"U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cf"), None)


def quoted_short(value: str, limit: int = 60) -> str:
    """`value` quoted as Python would (repr), cut to about `limit` characters with its length said:
    a 50,000-character id a user pasted must not fill the terminal with its error."""
    shown = repr(value)
    return shown if len(shown) <= limit else f"{shown[:limit - 3]}... ({len(value)} characters)"


def name_problem(name: str, what: str = "coder name") -> str | None:
    """Why `name` cannot be a coder's name (or a label's), or None. The rule `coder add` has always
    applied (not empty, no comma, no line break or tab, no spaces at either end), plus no control
    character; every way in (coder add, assign, import, codebooks) applies it."""
    if not name.strip():
        return f"{what} {name!r} is not usable: give a name that is not empty"
    if name != name.strip():
        return f"{what} {name!r} is not usable: give a name with no spaces at either end"
    if "," in name or _C0_C1_IN_LINE.search(name):
        return (f"{what} {name!r} is not usable: give a name without commas, line breaks, tabs or other "
                "control characters")
    if character := format_character(name):
        return invisible_problem(f"{what} {name!r}", character, "a name")
    return None


def invisible_problem(what: str, character: str, instead: str) -> str:
    return (f"{what} holds {character}, an invisible format character (a bidi control or a zero-width "
            f"character makes it look like another, or like nothing); give {instead} without it")


def has_control(text: str) -> bool:
    return _C0_C1_IN_LINE.search(text) is not None


def escaped_controls(text: str) -> str:
    """`text` with each control character written as an escape (ESC as \\x1b): one line that shows
    what is there, for a message naming a value that holds them."""
    return _CONTROL_IN_LINE.sub(lambda m: repr(m[0])[1:-1], text)


# A password after the user name, and a query parameter holding one (?password=, ?sslpassword=).
_USER_PASSWORD = re.compile(r"(://[^/?#@:]*:)[^/?#]*@")
_QUERY_PASSWORD = re.compile(r"([?&][^=&#]*password[^=&#]*=)[^&#]*", re.IGNORECASE)


def masked_url(url: str) -> str:
    """A database URL as it may be shown: each password in it (user part or query) becomes ***."""
    return _QUERY_PASSWORD.sub(r"\1***", _USER_PASSWORD.sub(r"\1***@", url))


def name_key(name: str) -> str:
    """What names that look alike on a screen share (ALICE, ａｌｉｃｅ, alice; é composed or not)."""
    return unicodedata.normalize("NFKC", name).casefold()


def look_alike(name: str, existing: Iterable[str]) -> str | None:
    """The existing name `name` differs from only in case, width or Unicode form, if any: two
    coders nobody can tell apart on a screen would split one person's work, or confuse two."""
    key = name_key(name)
    return next((other for other in existing if other != name and name_key(other) == key), None)
