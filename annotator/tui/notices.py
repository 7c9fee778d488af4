"""Notices (Textual's toasts) flush with the screen's right edge.

Textual's toast rack keeps two columns free on the right for a scrollbar it never draws, so the
screen below showed through beside every notice: a side panel's last character ("," of a wrapped
codebook line, an entity's "?") flickered there as the panel repainted under the notice."""

NOTICE_CSS = "ToastRack { scrollbar-size-vertical: 0; }"
