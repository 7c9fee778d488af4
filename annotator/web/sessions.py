"""One served coding session: its `annotator code` process, and what a browser may send it.

A session's process is bounded from outside, as a terminal bounds a program: a browser's message
is at most MAX_MESSAGE_BYTES (textual.js sends a key press as a few bytes; a 3 MB message once grew
a session to 2.5 GB) and typed input comes at most at a fast typist's pace, with room for a paste;
a link opens at most SESSIONS_PER_TOKEN sessions at once (fixed here, not configurable); a
session's process ends with its socket (asked to quit, then killed after STOP_SECONDS) and with
the server, however that ends (Linux's parent-death signal, set in the process before it runs).
Whatever a browser sends that is not textual.js's `[type, data]` messages ends its session with
one line in the log (`Refused`), never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import signal
import sys
import time
from typing import Any

from textual_serve.app_service import AppService

MAX_MESSAGE_BYTES = 16 * 1024
SESSIONS_PER_TOKEN = 2
STOP_SECONDS = 5.0
STDIN_BURST_BYTES = 16 * 1024  # a paste of a passage at once
STDIN_BYTES_PER_SECOND = 4 * 1024  # a typist's keys, escape sequences and all, are far below this
SIZE_RANGE = (10, 1000)  # cells, each way: a screen of a billion cells would be allocated as asked


class Refused(Exception):
    """A browser message no textual.js sends; the text says why, for one line of the log."""


def read_message(text: str) -> tuple[str, Any]:
    """(type, data) of a textual.js message, or Refused."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise Refused("JSON nested too deeply") from None
    except ValueError:
        raise Refused("not JSON") from None
    if not isinstance(value, list) or not 1 <= len(value) <= 2 or not isinstance(value[0], str):
        raise Refused("not a [type, data] message")
    kind, data = value[0], (value[1] if len(value) == 2 else None)
    if kind == "stdin" and not isinstance(data, str):
        raise Refused("'stdin' without text")
    if kind == "resize" and not (isinstance(data, dict) and all(
            isinstance(data.get(side), int) and not isinstance(data.get(side), bool) for side in ("width", "height"))):
        raise Refused("'resize' without a whole width and height")
    if kind == "ping" and not isinstance(data, (str, int, float)):
        raise Refused("'ping' with neither text nor a number")
    return kind, data


def cells(value: int) -> int:
    low, high = SIZE_RANGE
    return max(low, min(value, high))


class StdinBudget:
    """A token bucket over typed bytes: STDIN_BURST_BYTES at once, refilled at STDIN_BYTES_PER_SECOND."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock, self.left, self.at = clock, float(STDIN_BURST_BYTES), clock()

    def take(self, size: int) -> bool:
        now = self.clock()
        self.left = min(STDIN_BURST_BYTES, self.left + (now - self.at) * STDIN_BYTES_PER_SECOND)
        self.at = now
        if size > self.left:
            return False
        self.left -= size
        return True


def _die_with_server(server_pid: int):
    """Run in the session's process between fork and exec: the kernel kills it when the server
    ends, even by SIGKILL (PR_SET_PDEATHSIG survives exec); outside Linux, nothing."""
    if sys.platform != "linux":
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here, not in the forked child
    PR_SET_PDEATHSIG = 1

    def set_up() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != server_pid:  # the server ended before the call: nothing would signal us
            os._exit(1)

    return set_up


class SessionProcess(AppService):
    """textual-serve's app service, with its process started without a shell, in a process group
    of its own that dies with the server, and stopped for certain."""

    def __init__(self, argv: list[str], environment: dict[str, str], **kwargs) -> None:
        """`environment`: set in the process's environment, over textual-serve's and the server's own."""
        super().__init__(shlex.join(argv), **kwargs)
        self.argv, self.environment = argv, environment

    async def _open_app_process(self, width: int = 80, height: int = 24):
        environment = {**self._build_environment(width=width, height=height), **self.environment}
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=environment, start_new_session=True, preexec_fn=_die_with_server(os.getpid()))
        self._stdin = process.stdin
        return process

    async def stop(self) -> None:
        """Ask the app to quit (it saved each key as it came); a process that has not ended within
        STOP_SECONDS (busy, or deaf to SIGTERM) is killed with its process group."""
        task, self._task = self._task, None
        if task is None:
            return
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)

        async def quit_() -> None:
            await self.send_meta({"type": "quit"})  # a wedged process may never drain its input
            await asyncio.shield(task)

        try:
            await asyncio.wait_for(quit_(), STOP_SECONDS)
        except TimeoutError:
            for sig, wait in ((signal.SIGTERM, 1.0), (signal.SIGKILL, STOP_SECONDS)):
                self._signal(sig)
                try:
                    await asyncio.wait_for(asyncio.shield(task), wait)
                    break
                except TimeoutError:
                    continue
        if self._process is not None:
            await self._process.wait()

    def _signal(self, sig: int) -> None:
        if self._process is None:
            return
        try:
            os.killpg(self._process.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
