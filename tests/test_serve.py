"""`annotator serve`: the coding screen in a real browser (the distribution's Chromium, driven by
Playwright), as the coder whose token opened it; no token, or a revoked one, gets a refusal."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, rows

CHROMIUM = Path("/usr/bin/chromium")
SHOT = ROOT / ".ci" / "artifacts" / "served-1280x800.png"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(seeded, cli):
    """`annotator serve` on the seeded project, in its own process; yields (base URL, project)."""
    assert cli("coder", "add", "alice").code == 0
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "annotator", "serve", "--port", str(port), "--db", str(seeded)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, server.stdout.read() if server.stdout else ""
            time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}", seeded, server
    finally:
        server.terminate()
        server.wait(10)


def _status(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _token(cli, base: str) -> str:
    result = cli("coder", "token", "alice", "--url", base)
    assert result.code == 0 and "give it to them alone" in result.err
    link = result.out.strip()
    assert link.startswith(f"{base}/?token=")
    return link


def test_no_token_or_a_wrong_or_revoked_one_is_refused(served, cli):
    base, db, server = served
    link = _token(cli, base)
    token = link.split("token=")[1]
    for url in (f"{base}/", f"{base}/?token=not-a-token", f"{base}/ws/not-a-token", f"{base}/static/js/textual.js"):
        code, body = _status(url)
        assert code == 403 and "no valid token" in body
    code, page = _status(link)
    assert code == 200 and f"/ws/{token}" in page
    assert cli("coder", "token", "alice", "--revoke").out.startswith("Revoked 1 token(s) of alice")
    assert _status(link)[0] == 403 and _status(f"{base}/ws/{token}")[0] == 403
    assert rows(db, "SELECT count(*) FROM coder_token WHERE token_hash = ?", token)[0][0] == 0  # only a hash is kept
    server.terminate()
    assert token not in server.communicate(timeout=10)[0]  # nor is it logged


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs the distribution's Chromium (.ci/run installs it)")
@pytest.mark.slow
def test_a_coder_codes_in_a_real_browser_and_the_database_holds_it_under_their_name(served, cli):
    from playwright.sync_api import sync_playwright

    base, db, _ = served
    link = _token(cli, base)
    received: list[str] = []
    requested: list[str] = []  # every address the page asked for: documents, scripts, styles, fonts, sockets
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.on("request", lambda request: requested.append(request.url))  # any page of the context, workers too
        page = context.new_page()

        def socket_opened(ws) -> None:  # websockets are not requests to Playwright: recorded here
            requested.append(ws.url)
            ws.on("framereceived", lambda frame: received.append(
                frame if isinstance(frame, str) else frame.decode("utf-8", "ignore")))

        page.on("websocket", socket_opened)
        page.goto(link)

        def shown(text: str, seconds: float = 60) -> None:
            deadline = time.monotonic() + seconds
            while text not in "".join(received):
                assert time.monotonic() < deadline, f"{text!r} never came over the websocket"
                page.wait_for_timeout(200)

        shown("Entities")  # the side panel: the document is open and keys act
        page.mouse.click(640, 400)
        page.keyboard.press("a")  # accept the focused suggestion
        page.wait_for_timeout(500)
        page.keyboard.press("d")
        page.wait_for_timeout(500)
        page.keyboard.press("d")  # asked once about the undecided rest: done
        deadline = time.monotonic() + 30
        while True:
            row = next(iter(rows(
                db, "SELECT a.status, c.name, (SELECT count(*) FROM annotation_span s WHERE s.annotation_pk = a.pk "
                "AND s.origin = 'accepted') FROM annotation a JOIN coder c ON c.pk = a.coder_pk")), None)
            if row and row[0] == "done":
                break
            assert time.monotonic() < deadline, f"not stored: {row}"
            page.wait_for_timeout(300)
        SHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOT))
        browser.close()
    assert row == ("done", "alice", 1)  # under the token's coder, not the server's login name
    own = (base + "/", "ws" + base.removeprefix("http") + "/")
    assert requested and not [url for url in requested if not url.startswith(own)], \
        f"the page asked another host: {[url for url in requested if not url.startswith(own)]}"
    assert any(url.endswith(".ttf") for url in requested), "its font came from the server"
    assert os.environ.get("USER", "root") != "alice"


def _cmdline(pid: str) -> str:
    """A process's command line; empty once it has ended (the stray session's may end while read)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


async def test_revoking_ends_an_open_session_and_no_token_reaches_the_log_or_a_command_line(served, cli):
    import asyncio

    import aiohttp

    base, db, server = served
    token = _token(cli, base).split("token=")[1]
    async with aiohttp.ClientSession() as http:
        stray = await http.ws_connect(f"{base.replace('http', 'ws')}/ws/{token}?width=80&height=24")
        await stray.send_str("not json")  # a client that is not textual.js: its session ends, quietly
        ws = await http.ws_connect(f"{base.replace('http', 'ws')}/ws/{token}?width=80&height=24")
        lines: list[str] = []
        for _ in range(300):  # until the session's `annotator code` runs (a loaded machine takes seconds)
            await asyncio.sleep(0.1)
            children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
            lines = [line for line in map(_cmdline, children) if line]
            if any("--coder=alice" in line for line in lines):
                break
        assert lines and all("--coder=alice" in line and "--db" not in line for line in lines), lines
        assert cli("coder", "token", "alice", "--revoke").code == 0
        closed = False
        for _ in range(40):  # revocation is noticed within a few seconds
            message = await ws.receive(timeout=10)
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                closed = True
                break
        assert closed, "the revoked token's session stayed open"
        await stray.close()
    server.terminate()
    output = server.communicate(timeout=10)[0]
    assert token not in output and "Traceback" not in output, output
