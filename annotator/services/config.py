"""The user's own settings: `$XDG_CONFIG_HOME/annotator/config.toml` (~/.config when unset). Today
it holds the keys a coder remaps; a missing file means the defaults."""

from __future__ import annotations

import os
from pathlib import Path

from annotator.domain.errors import ConfigError
from annotator.domain.keymap import DEFAULT_KEYS, KeysInForce, parse_config


def config_path() -> Path:
    """Where the file is looked for. A relative XDG_CONFIG_HOME is ignored, as the XDG spec says."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".config"
    return root / "annotator" / "config.toml"


def load_keys(path: Path | None = None) -> KeysInForce:
    """The screen's keys in force: the defaults with the file's [keys] laid over them."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return DEFAULT_KEYS
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not UTF-8 text; save it as UTF-8"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read: {exc.strerror or exc}"]) from None
    return parse_config(text, str(path))
