"""Use cases: each owns its transaction; the CLI and the TUI call these and nothing below."""
