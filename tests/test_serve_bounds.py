"""What `annotator serve` lets a browser (or anything that speaks websocket) do to the machine:
a real served process, a real aiohttp client. Message size, typing rate and sessions per link are
bounded; a session's process ends with its socket and with its server, however that ends; every
refusal is one line of the log, with no traceback and no token in it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import time
from pathlib import Path

import aiohttp
import pytest
from conftest import execute
from test_serve import _cmdline, _token, served  # noqa: F401  (served: the fixture)

from annotator.web.sessions import (MAX_COLUMNS, MAX_MESSAGE_BYTES, MAX_ROWS, SESSIONS_PER_TOKEN, STDIN_BURST_BYTES,
                                    STOP_SECONDS, terminal_size)

CLOSED = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)


@pytest.fixture
def web_only(backend):
    if backend != "sqlite":
        pytest.skip("about the web server, the same whatever database is behind it: run on sqlite")


@pytest.fixture
def link(web_only, served, cli):  # noqa: F811
    """(websocket address with the token, token, server process)."""
    base, _, server = served
    token = _token(cli, base).split("token=")[1]
    return f"{base.replace('http', 'ws')}/ws/{token}?width=80&height=24", token, server


def _sessions(server) -> list[int]:
    """The server's `annotator code` processes now running (a zombie, already ended, is not)."""
    found = []
    for pid in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split():
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and "annotator code" in _cmdline(pid):
            found.append(int(pid))
    return found


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


async def _until(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)
    return found


async def _connected_when_room(http, url: str):
    """A session opened as soon as the link has room (a closed session's place is free once its
    process has ended: within STOP_SECONDS and a little)."""
    deadline = time.monotonic() + STOP_SECONDS + 10
    while True:
        try:
            return await http.ws_connect(url)
        except aiohttp.WSServerHandshakeError as refused:
            assert refused.status == 429 and time.monotonic() < deadline, "closed sessions kept the link's places"
            await asyncio.sleep(0.2)


async def _closed(ws) -> aiohttp.WSMessage:
    """The close the server sent (screen updates before it are read past)."""
    for _ in range(10_000):
        message = await ws.receive(timeout=20)
        if message.type in CLOSED:
            return message
    raise AssertionError("the session stayed open")


def _log(server) -> str:
    server.terminate()
    output = server.communicate(timeout=30)[0]
    assert "Traceback" not in output, output
    return output


async def test_a_message_over_the_size_limit_ends_the_session_and_its_process(link):
    url, token, server = link
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(url, max_msg_size=0)
        (pid,) = await _until(lambda: _sessions(server), 30, "the session's process never started")
        await ws.send_str(json.dumps(["stdin", "x" * 3_000_000]))
        assert (await _closed(ws)).data == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
        await _until(lambda: not _running(pid), STOP_SECONDS + 5, "the session's process outlived its socket")
    log = _log(server)
    assert f"exceeds limit {MAX_MESSAGE_BYTES}; the session ends" in log and token not in log


@pytest.mark.parametrize("message, why", [
    ("[]", "not a [type, data] message"),
    ('["stdin"]', "'stdin' without text"),
    ('["stdin", 5]', "'stdin' without text"),
    ('{"stdin": "a"}', "not a [type, data] message"),
    ('["resize", {"width": "wide"}]', "'resize' without a whole width and height"),
    ("[" * 5000 + "]" * 5000, "JSON nested too deeply"),
    ("not json", "not JSON"),
    ('["stdin", "\\ud800"]', "'stdin' with a lone surrogate, which is no character"),  # (was: a traceback)
    ('["foo", "bar"]', "a message of a kind textual.js does not send ('foo')"),
    ('["ping", NaN]', "'ping' with neither text nor a finite number"),
    (b"\x00binary", "a binary message"),
])
async def test_a_message_textual_js_never_sends_ends_the_session_in_one_line(link, message, why):
    url, token, server = link
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(url)
        await (ws.send_bytes(message) if isinstance(message, bytes) else ws.send_str(message))
        assert (await _closed(ws)).data == aiohttp.WSCloseCode.POLICY_VIOLATION
    log = _log(server)
    refusals = [line for line in log.splitlines() if "refused" in line]
    assert len(refusals) == 1 and refusals[0].endswith(f"from 127.0.0.1: {why}; the session ends"), log
    assert token not in log


async def test_typing_faster_than_a_person_ends_the_session(link):
    url, _, server = link
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(url)
        await ws.send_str(json.dumps(["stdin", "k" * (STDIN_BURST_BYTES - 100)]))  # a paste: let through
        await ws.send_str(json.dumps(["stdin", "k" * 1000]))  # and more at once: no typist
        assert (await _closed(ws)).data == aiohttp.WSCloseCode.POLICY_VIOLATION
    assert "typed input faster than" in _log(server)


async def test_a_link_opens_at_most_so_many_sessions_at_once(link):
    url, token, server = link
    async with aiohttp.ClientSession() as http:
        open_ = [await http.ws_connect(url) for _ in range(SESSIONS_PER_TOKEN)]
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(url)
        assert refused.value.status == 429
        await _until(lambda: len(_sessions(server)) == SESSIONS_PER_TOKEN, 30, "the sessions never started")
        await open_[0].close()
        again = await _connected_when_room(http, url)  # one closed: room for another
        await again.close()
        await open_[1].close()
    log = _log(server)
    assert f"already open with this link (at most {SESSIONS_PER_TOKEN})" in log and token not in log


async def test_a_session_whose_process_does_not_answer_is_killed_when_its_socket_closes(link):
    url, _, server = link
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(url)
        (pid,) = await _until(lambda: _sessions(server), 30, "the session's process never started")
        os.kill(pid, signal.SIGSTOP)  # wedged: reads no quit, and a stopped process takes no SIGTERM
        await ws.close()
        started = time.monotonic()
        await _until(lambda: not _running(pid), STOP_SECONDS + 10, "the wedged session outlived its socket")
        assert time.monotonic() - started < STOP_SECONDS + 5
    _log(server)


@pytest.mark.parametrize("ending", [signal.SIGKILL, signal.SIGTERM])
async def test_the_sessions_end_with_the_server_however_it_ends(link, ending):
    url, _, server = link
    async with aiohttp.ClientSession() as http:
        sockets = [await http.ws_connect(url) for _ in range(SESSIONS_PER_TOKEN)]
        pids = await _until(lambda: len(_sessions(server)) == SESSIONS_PER_TOKEN and _sessions(server), 30,
                            "the sessions never started")
        server.send_signal(ending)
        await _until(lambda: not any(map(_running, pids)), STOP_SECONDS + 5,
                     f"sessions outlived a server ended by {ending.name}")
        for ws in sockets:
            await ws.close()
    server.wait(30)


def test_an_over_long_or_encoded_address_is_one_line_without_the_token(link):
    _, token, server = link
    port = int(server.args[server.args.index("--port") + 1])
    encoded = "".join(f"%{ord(c):02X}" for c in token)
    for request in (f"GET /?tok%65n={token}&x={'a' * 9000} HTTP/1.1\r\nHost: x\r\n\r\n",
                    f"GET /?tok%65n={encoded}&x={'a' * 9000} HTTP/1.1\r\nHost: x\r\n\r\n",
                    f"GET /ws/{token}?{'a' * 9000} HTTP/1.1\r\nHost: x\r\n\r\n",
                    f"GET /?token={token} HTTP/1.1\r\nHost: x\r\nX-Long: {'a' * 9000}\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(request.encode())
            assert client.recv(100).startswith(b"HTTP/1.0 400")
    log = _log(server)
    lines = [line for line in log.splitlines() if "malformed request" in line]
    assert len(lines) == 4 and all(line.endswith("LineTooLong (400), refused") for line in lines), log
    assert token not in log and encoded not in log


async def test_a_coder_name_with_an_escape_sequence_reaches_the_log_without_it(link, served):  # noqa: F811
    """A name stored before names were checked (set here in the database directly)."""
    url, token, server = link
    execute(served[1], ("UPDATE coder SET name = ? WHERE name = 'alice'", "al\x1b]2;PWNED\x07ice"))
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(url)
        await ws.send_str("[]")
        await _closed(ws)
    log = _log(server)
    assert "coding session for al]2;PWNEDice" in log and "\x1b" not in log and "\x07" not in log


def test_a_screen_is_at_most_so_many_cells_each_way():
    assert terminal_size(2000, 2000) == terminal_size(100_000, 100_000) == (MAX_COLUMNS, MAX_ROWS)
    assert terminal_size(80, 24) == (80, 24) and terminal_size(-5, 0) == (10, 10)


async def _streaming(ws, width: int, seconds: float) -> None:
    """Screens about `width` cells each way asked for over `seconds`, once the app has drawn its
    first: it redraws the whole screen at each, and output streams."""
    await ws.send_str(json.dumps(["resize", {"width": 80, "height": 24}]))
    await asyncio.sleep(2)
    for step in range(max(1, int(seconds * 5))):
        await ws.send_str(json.dumps(["resize", {"width": width - step % 2, "height": width - step % 2}]))
        await asyncio.sleep(0.2)


async def _closed_mid_stream(ws, width: int) -> None:
    """The socket closed by the browser while a huge screen is still coming over it."""
    await _streaming(ws, width, 0)
    received = 0
    while received < 10_000:
        received += len((await ws.receive(timeout=20)).data or b"")
    await ws.close()


@pytest.mark.parametrize("width", [2000, 100_000])
async def test_a_session_ends_with_its_socket_closed_mid_stream_after_a_huge_resize(link, width):
    url, _, server = link
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(url)
        (pid,) = await _until(lambda: _sessions(server), 30, "the session's process never started")
        await _closed_mid_stream(ws, width)
        await _until(lambda: not _running(pid), STOP_SECONDS + 10, "the session's process outlived its socket")
    _log(server)


async def test_two_sessions_closed_mid_stream_leave_room_for_a_third(link):
    """The limit counts sessions whose process still runs: a closed one frees its place within seconds."""
    url, _, server = link
    async with aiohttp.ClientSession() as http:
        sockets = [await http.ws_connect(url) for _ in range(SESSIONS_PER_TOKEN)]
        await _until(lambda: len(_sessions(server)) == SESSIONS_PER_TOKEN, 30, "the sessions never started")
        await asyncio.gather(*(_closed_mid_stream(ws, 2000) for ws in sockets))
        third = await _connected_when_room(http, url)
        await _until(lambda: len(_sessions(server)) == 1, 30, "the third session never started")
        await third.close()
    _log(server)


@pytest.mark.parametrize("ending", [signal.SIGTERM, signal.SIGINT])
async def test_the_server_stops_promptly_with_its_sessions_stuck_mid_stream(link, ending):
    """Browsers that read nothing more: their sessions' output fills the sockets and the pipes, and
    still the server ends on SIGTERM or Ctrl+C, taking the sessions with it."""
    url, _, server = link
    async with aiohttp.ClientSession() as http:
        sockets = [await http.ws_connect(url) for _ in range(SESSIONS_PER_TOKEN)]
        pids = await _until(lambda: len(_sessions(server)) == SESSIONS_PER_TOKEN and _sessions(server), 30,
                            "the sessions never started")
        await asyncio.gather(*(_streaming(ws, 2000, 2) for ws in sockets))
        server.send_signal(ending)
        deadline = time.monotonic() + STOP_SECONDS + 10
        while server.poll() is None or any(map(_running, pids)):
            assert time.monotonic() < deadline, f"the server or its sessions outlived {ending.name}"
            await asyncio.sleep(0.1)
    output = server.communicate(timeout=10)[0]
    assert "Traceback" not in output, output
