"""Worker processes that end with the command that started them."""

from __future__ import annotations

import os
import signal
import sys


def die_with_parent() -> None:
    """A pool initializer: when the parent dies, even by SIGKILL, the kernel kills this worker too
    (Linux's PR_SET_PDEATHSIG). Elsewhere, workers notice the broken pipe to their parent instead."""
    if sys.platform != "linux":
        return
    import ctypes

    PR_SET_PDEATHSIG = 1
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        return
    if os.getppid() == 1:  # the parent died before the call: nothing would signal us
        os._exit(1)


def alive(pid: int) -> bool:
    """Whether a process of this machine with this id is running (another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
