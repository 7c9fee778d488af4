"""The Textual coding app. It talks to services only; nothing here runs SQL or loads models itself."""

import os

# Textual repaints at most MAX_FPS times a second, so a key waits up to one period for its frame:
# 120 halves the 60 default's 16.7 ms. Idle screens repaint nothing, so this costs no CPU at rest.
os.environ.setdefault("TEXTUAL_FPS", "120")
