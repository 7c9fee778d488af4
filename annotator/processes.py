"""Worker processes that end with the command that started them."""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import signal
import sys

# What the server that gold's worker processes are forked from imports, once: `annotator gold`
# starts it first thing, so its imports run beside the command's own.
GOLD_WORKER_MODULES = ("annotator.worker_server", "annotator.services.gold")


def worker_context(modules: tuple[str, ...]) -> multiprocessing.context.BaseContext:
    """Worker processes forked from a server process that imported `modules` once: not forked from
    the caller, whose open database connection must not cross a fork (SQLite's locks would be
    confused), and without each worker importing everything again (0.8 s of CPU each)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(modules))
    return context


def start_worker_server(modules: tuple[str, ...]) -> None:
    """Start the worker server now, when a command will need it: it imports while the command does.
    Each worker runs the command's script again (to find its `__main__`): give the modules that
    script imports too, so the workers find them imported."""
    if (os.cpu_count() or 1) < 2 or sys.platform == "win32":
        return
    from multiprocessing import forkserver

    worker_context(modules)
    try:
        forkserver.ensure_running()
    except OSError:  # started again, and its error reported, when workers are asked for
        pass


def die_with_parent() -> None:
    """A pool initializer: when the parent dies, even by SIGKILL, the kernel kills this worker too
    (Linux's PR_SET_PDEATHSIG). Elsewhere, workers notice the broken pipe to their parent instead."""
    # A worker ends at once when its pool terminates it, whatever handlers the parent had set (a
    # handler run by Python can miss a signal that arrives just before a blocking call, and the
    # pool's join then waits for ever).
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, signal.SIG_DFL)
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
