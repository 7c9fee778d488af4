"""One served coding session: its `annotator code` process, and what a browser may send it.

A session's process is bounded from outside, as a terminal bounds a program: a browser's message
is at most MAX_MESSAGE_BYTES (textual.js sends a key press as a few bytes; a 3 MB message once grew
a session to 2.5 GB) and typed input comes at most at a fast typist's pace, with room for a paste;
a screen is at most MAX_COLUMNS x MAX_ROWS cells; a link opens at most SESSIONS_PER_TOKEN sessions
at once (fixed here, not configurable); a session's process ends with its socket (asked to quit,
then its process group terminated, then killed: gone STOP_SECONDS after, however much output it
has pending) and with the server, however that ends (Linux's parent-death signal, set in the
process before it runs).
Whatever a browser sends that is not textual.js's `[type, data]` messages ends its session with
one line in the log (`Refused`), never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shlex
import signal
import sys
import time
from asyncio.subprocess import Process, SubprocessStreamProtocol
from typing import Any

from textual_serve.app_service import AppService

MAX_MESSAGE_BYTES = 16 * 1024
SESSIONS_PER_TOKEN = 2
STOP_SECONDS = 5.0
STDIN_BURST_BYTES = 16 * 1024  # a paste of a passage at once
STDIN_BYTES_PER_SECOND = 4 * 1024  # a typist's keys, escape sequences and all, are far below this
# The app redraws every cell of its screen, and a screen is allocated as asked: 2000 x 2000 cells
# streamed megabytes a frame, faster than a socket drains. No window shows more than this (a 4K
# screen at the smallest readable font is about 480 x 200 cells).
MIN_CELLS, MAX_COLUMNS, MAX_ROWS = 10, 500, 200


class Refused(Exception):
    """A browser message no textual.js sends; the text says why, for one line of the log."""


KINDS = ("stdin", "resize", "ping", "blur", "focus")  # what textual.js sends


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
    if kind not in KINDS:
        raise Refused(f"a message of a kind textual.js does not send ({kind[:40]!r})")
    if kind == "stdin" and not isinstance(data, str):
        raise Refused("'stdin' without text")
    if kind == "stdin" and isinstance(data, str) and not data.isascii():
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: valid JSON, no character
            raise Refused("'stdin' with a lone surrogate, which is no character") from None
    if kind == "resize" and not (isinstance(data, dict) and all(
            isinstance(data.get(side), int) and not isinstance(data.get(side), bool) for side in ("width", "height"))):
        raise Refused("'resize' without a whole width and height")
    if kind == "ping" and (not isinstance(data, (str, int, float)) or isinstance(data, float) and not math.isfinite(data)):
        raise Refused("'ping' with neither text nor a finite number")
    return kind, data


def terminal_size(width: int, height: int) -> tuple[int, int]:
    """(columns, rows) asked for, within MIN_CELLS .. MAX_COLUMNS and MIN_CELLS .. MAX_ROWS."""
    return max(MIN_CELLS, min(width, MAX_COLUMNS)), max(MIN_CELLS, min(height, MAX_ROWS))


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
        self._pipes: asyncio.SubprocessTransport | None = None
        self._to_browser = True  # False once the socket is gone: output is then read and dropped
        self._stopping: asyncio.Task | None = None

    async def _open_app_process(self, width: int = 80, height: int = 24):
        environment = {**self._build_environment(width=width, height=height), **self.environment}
        loop = asyncio.get_running_loop()
        # asyncio.create_subprocess_exec's own steps, keeping the transport: closing it closes the
        # pipes, which a process that ended but whose output was never read to its end holds open.
        self._pipes, protocol = await loop.subprocess_exec(
            lambda: SubprocessStreamProtocol(limit=2**16, loop=loop), *self.argv, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=environment, start_new_session=True,
            preexec_fn=_die_with_server(os.getpid()))
        self._process = process = Process(self._pipes, protocol, loop)
        self._stdin = process.stdin
        return process

    async def on_data(self, payload: bytes) -> None:
        """The process's screen output, to the browser while its socket is open. After, it is still
        read, and dropped: a process blocked writing to a full pipe would act on no quit."""
        if self._to_browser:
            try:
                await super().on_data(payload)
            except ConnectionError:  # the socket closed under it
                self._to_browser = False

    async def on_meta(self, data: bytes) -> None:
        if self._to_browser:
            try:
                await super().on_meta(data)
            except ConnectionError:
                self._to_browser = False

    async def stop(self) -> None:
        """Ask the app to quit (it saved each key as it came); a process still running a second before
        STOP_SECONDS is terminated, and at STOP_SECONDS killed (busy, or deaf to SIGTERM), with its
        process group. Its output is dropped from now on, and its pipes closed at the end, whatever
        was left unread. Each caller (the socket's end, the server's) waits for the one stop, which
        no caller's cancelling cuts short."""
        if self._stopping is None:
            if self._task is None:
                return
            self._stopping = asyncio.create_task(self._stop(self._task))
        await asyncio.shield(self._stopping)

    async def _stop(self, task: asyncio.Task) -> None:
        self._to_browser = False
        ended, asking = False, None
        try:
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            # apart: a wedged process may never drain its input
            asking = asyncio.create_task(self.send_meta({"type": "quit"}))
            ended = await self._ends_within(STOP_SECONDS - 1.0)
            for sig, seconds in ((signal.SIGTERM, 1.0), (signal.SIGKILL, STOP_SECONDS)):
                if ended:
                    break
                self._signal(sig)
                ended = await self._ends_within(seconds)
        finally:
            if not ended:  # cancelled (the server stopping), or the kill did not take
                self._signal(signal.SIGKILL)
            if asking is not None:
                asking.cancel()
            task.cancel()  # the reader, which may wait on a socket that takes nothing more
            if self._pipes is not None:
                self._pipes.close()
            await asyncio.gather(task, return_exceptions=True)

    async def _ends_within(self, seconds: float) -> bool:
        """Whether the process has ended within `seconds`: its exit, not the end of its pipes (a
        process killed with output unread never closes them)."""
        deadline = time.monotonic() + seconds
        while self._process is not None and self._process.returncode is None:
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    def _signal(self, sig: int) -> None:
        if self._process is None:
            return
        try:
            os.killpg(self._process.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
