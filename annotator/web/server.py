"""`annotator serve`: the coding screen in a browser, through textual-serve.

Each browser session runs `annotator code` in its own process, as the coder whose token opened the
page: the same screen, keys and storage as in a terminal. A request without a live token gets a
refusal and nothing else; the token travels in the page's address and in the websocket's path
(textual.js appends its own query to the websocket address). Each session is bounded (message
size, input rate, sessions per link, its process's end): web/sessions.py.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Callable
from urllib.parse import unquote

import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.http_exceptions import HttpProcessingError
from textual_serve.server import Server

from annotator.domain.display import printable
from annotator.web.sessions import (MAX_MESSAGE_BYTES, SESSIONS_PER_TOKEN, STDIN_BYTES_PER_SECOND, Refused,
                                    SessionProcess, StdinBudget, cells, read_message)

log = logging.getLogger("annotator.serve")
COOKIE = "annotator_token"
REVOKE_CHECK_SECONDS = 2.0
REFUSED = ("This link has no valid token: ask your project lead for your own link "
           "(annotator coder token NAME prints one).\n")


class CodingServer(Server):
    """textual-serve's server with every page and websocket behind a coder's token."""

    def __init__(self, db_url: str, coder_for_token: Callable[[str | None], str | None], host: str, port: int,
                 public_url: str | None = None) -> None:
        super().__init__(command="", host=host, port=port, title="annotator", public_url=public_url)
        self.db_url, self.coder_for_token = db_url, coder_for_token
        self._open: dict[str, int] = {}  # token -> its coding sessions open now
        self._sockets: set[web.WebSocketResponse] = set()

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._token_gate])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes([
            web.get("/", self.coding_page, name="index"),
            web.get("/ws/{token}", self.coding_session, name="websocket"),
            web.get("/download/{key}", self.handle_download, name="download"),
            web.static("/static", self.statics_path, show_index=False, name="static"),
        ])
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    def initialize_logging(self) -> None:
        """Plain lines, tokens masked: textual-serve's own set-up prints tracebacks with their local
        variables (a request's line and path hold its token), and aiohttp's access log every address."""
        handler = logging.StreamHandler()
        handler.setFormatter(_Masked("%(levelname)s %(name)s: %(message)s"))
        handler.addFilter(_malformed_request_in_one_line)
        logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

    async def on_startup(self, app: web.Application) -> None:
        """The command line has said where it serves; textual-serve's banner would name no command."""

    async def on_shutdown(self, app: web.Application) -> None:
        """The server is stopping (Ctrl+C, SIGTERM): every session ends now, its process asked to
        quit, instead of when its browser goes away."""
        for websocket in list(self._sockets):
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"the server is stopping")

    @web.middleware
    async def _token_gate(self, request: web.Request, handler):
        """Scripts, styles and downloads too: only for a browser that opened a page with a live token
        (kept in a cookie for the page's own requests)."""
        if request.path.startswith(("/static", "/download")):
            self._coder(request.cookies.get(COOKIE))
        return await handler(request)

    def _coder(self, token: str | None) -> str:
        coder = self.coder_for_token(token)
        if coder is None:
            raise web.HTTPForbidden(text=REFUSED)
        return coder

    async def coding_page(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get("token")
        self._coder(token)
        assert token is not None, "refused by _coder"
        base = self.public_url
        socket = ("wss:" if base.startswith("https") else "ws:") + base.split(":", 1)[1] + f"/ws/{token}"
        context = {"font_size": 16, "app_websocket_url": socket,
                   "config": {"static": {"url": f"{base}/static/"}}, "application": {"name": "annotator"}}
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.headers["Cache-Control"] = "no-store"  # the page holds the token
        response.headers["Referrer-Policy"] = "no-referrer"
        response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", secure=base.startswith("https"))
        return response

    async def coding_session(self, request: web.Request) -> web.StreamResponse:
        """textual-serve's websocket handler, with the command made for this session's coder (its
        own is one command for every session), bounded as web/sessions.py says."""
        token = request.match_info["token"]
        coder = self._coder(token)  # checked again: a page may outlive its token
        if self._open.get(token, 0) >= SESSIONS_PER_TOKEN:
            log.warning("refused a coding session for %s from %s: %d already open with this link (at most %d)",
                        coder, request.remote, self._open[token], SESSIONS_PER_TOKEN)
            raise web.HTTPTooManyRequests(text=f"This link already has {SESSIONS_PER_TOKEN} coding sessions open: "
                                               "close one (another tab or browser) and reload.\n")
        self._open[token] = self._open.get(token, 0) + 1
        try:
            return await self._run_session(request, token, coder)
        finally:
            self._open[token] -= 1
            if not self._open[token]:
                del self._open[token]

    async def _run_session(self, request: web.Request, token: str, coder: str) -> web.StreamResponse:
        log.info("coding session for %s from %s", coder, request.remote)
        # --coder=NAME: a name starting with "-" stays a value. The database comes in ANNOTATOR_DB,
        # set by `serve`: a password in a command line is readable by every local user (ps).
        # The token names who acts: on a SQLite file the session says so in ANNOTATOR_USER (its events
        # name the coder); on PostgreSQL the server's own role codes for them, as a lead may.
        argv = ["env", f"ANNOTATOR_USER={coder}", sys.executable, "-m", "annotator", "code", f"--coder={coder}"]
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE_BYTES)
        width = _number(request.query.get("width"), 80)
        height = _number(request.query.get("height"), 24)
        service: SessionProcess | None = None
        self._sockets.add(websocket)
        try:
            await websocket.prepare(request)
            service = SessionProcess(argv, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                                     close=websocket.close, download_manager=self.download_manager, debug=self.debug)
            await service.start(width, height)
            watch = asyncio.create_task(self._end_when_revoked(token, websocket))
            try:
                await self._relay(websocket, service)
            except Refused as why:
                log.warning("refused a message in %s's coding session from %s: %s; the session ends",
                            coder, request.remote, why)
                await websocket.close(code=WSCloseCode.POLICY_VIOLATION)
            finally:
                watch.cancel()
        except asyncio.CancelledError:  # the server is stopping
            await websocket.close()
        finally:
            self._sockets.discard(websocket)
            if service is not None:
                await service.stop()  # the app saved each key as it came; closing the tab loses nothing
        return websocket

    async def _relay(self, websocket: web.WebSocketResponse, service: SessionProcess) -> None:
        """textual.js's messages to the session's process, until the socket closes; anything else
        is Refused."""
        budget = StdinBudget()
        async for message in websocket:
            if message.type == WSMsgType.ERROR:  # over MAX_MESSAGE_BYTES, or not the websocket protocol
                raise Refused(" ".join(str(message.data).split())[:200])
            if message.type != WSMsgType.TEXT:
                raise Refused("a binary message")
            kind, data = read_message(message.data)
            if kind == "stdin":
                if not budget.take(len(data)):
                    raise Refused(f"typed input faster than {STDIN_BYTES_PER_SECOND} bytes a second")
                await service.send_bytes(data.encode("utf-8"))
            elif kind == "resize":
                await service.set_terminal_size(cells(data["width"]), cells(data["height"]))
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()

    async def _end_when_revoked(self, token: str, websocket: web.WebSocketResponse) -> None:
        """A revoked token ends the sessions it opened too, within a few seconds."""
        while not websocket.closed:
            await asyncio.sleep(REVOKE_CHECK_SECONDS)
            if self.coder_for_token(token) is None:
                log.info("a coding session ended: its token was revoked")
                await websocket.close()
                return


class _Masked(logging.Formatter):
    """Log lines without control characters, tokens masked: after a query's token= or a websocket's
    /ws/, %-escapes read first (/?tok%65n= is token= to aiohttp), and any run as long as a token (32
    characters of its alphabet) wherever it stands."""
    TOKEN = re.compile(r"(token=|/ws/)[A-Za-z0-9_\-]+|[A-Za-z0-9_\-]{32,}")

    def format(self, record: logging.LogRecord) -> str:
        line = printable(unquote(unquote(super().format(record))))  # a name may hold an escape sequence
        return self.TOKEN.sub(lambda m: (m[1] or "") + "…", line)


def _malformed_request_in_one_line(record: logging.LogRecord) -> bool:
    """aiohttp logs a request it cannot parse (an address over 8 KB, a bad header) with a traceback
    that quotes the request line: one line instead, naming what was wrong."""
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, HttpProcessingError):
        said = record.getMessage().replace("Error handling request", "a malformed request")
        record.msg, record.args = "%s: %s (%d), refused", (said, type(error).__name__, error.code)
        record.levelno, record.levelname = logging.WARNING, "WARNING"  # the client's mistake, not ours
        record.exc_info = record.exc_text = None
    return True


def _number(value: str | None, default: int) -> int:
    try:
        return cells(int(value)) if value is not None else default
    except ValueError:
        return default
