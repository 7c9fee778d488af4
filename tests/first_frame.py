"""A Textual driver for tests that run an app in a subprocess: at the app's first frame it writes the
modules imported so far (sorted, one a line) to the file named by FIRST_FRAME_MODULES and ends the
process. Chosen with TEXTUAL_DRIVER=first_frame:FirstFrameDriver and this folder on PYTHONPATH."""

from __future__ import annotations

import os
import sys

from textual.drivers.headless_driver import HeadlessDriver


class FirstFrameDriver(HeadlessDriver):
    @property
    def is_headless(self) -> bool:
        return False  # so that the app renders its frames and hands them to write()

    def write(self, data: str) -> None:
        if "opening" not in data:  # the set-up sequences before the frame; the frame names what it opens
            return
        modules = sorted(sys.modules)  # first: the snapshot is of this moment
        with open(os.environ["FIRST_FRAME_MODULES"], "w") as out:
            out.write("\n".join(modules))
        os._exit(0)
