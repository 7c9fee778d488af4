"""`annotator serve`: the coding screen in a browser, through textual-serve.

Each browser session runs `annotator code` in its own process, as the coder whose token opened the
page: the same screen, keys and storage as in a terminal. A request without a live token gets a
refusal and nothing else; the token travels in the page's address and in the websocket's path
(textual.js appends its own query to the websocket address). Each session is bounded (message
size, input rate, sessions per link, its process's end): web/sessions.py.

Of textual-serve this takes its public parts: textual.js and its static files, the download
manager and the app service (web/sessions.py). The routes are this server's own, and so is the
page (coding_page.html), whose font comes from the static files: the page loads nothing from
any other host.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import sys
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote

import jinja2
from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.http_exceptions import HttpProcessingError
from textual_serve.download_manager import DownloadManager

from annotator.domain.display import printable
from annotator.web.sessions import (MAX_MESSAGE_BYTES, SESSIONS_PER_TOKEN, STDIN_BYTES_PER_SECOND, STOP_SECONDS,
                                    Refused, SessionProcess, StdinBudget, read_message, terminal_size)

log = logging.getLogger("annotator.serve")
STATIC_FILES = Path(str(files("textual_serve") / "static"))  # textual.js, its styles, its font
PAGE = jinja2.Environment(autoescape=True).from_string((files("annotator.web") / "coding_page.html").read_text())
COOKIE = "annotator_token"
REVOKE_CHECK_SECONDS = 2.0
REFUSED = ("This link has no valid token: ask your project lead for your own link "
           "(annotator coder token NAME prints one).\n")


class CodingServer:
    """An aiohttp server for textual.js, with every page and websocket behind a coder's token."""

    def __init__(self, db_url: str, coder_for_token: Callable[[str | None], str | None], host: str, port: int,
                 public_url: str | None = None) -> None:
        self.db_url, self.coder_for_token, self.host, self.port = db_url, coder_for_token, host, port
        default = {80: f"http://{host}", 443: f"https://{host}"}.get(port, f"http://{host}:{port}")
        self.public_url = public_url or default
        self.debug = False  # textual-serve's app service passes it on to the app (Textual's devtools)
        self.download_manager = DownloadManager()
        self._open: dict[str, int] = {}  # token -> its coding sessions open now
        self._sockets: set[web.WebSocketResponse] = set()
        self._services: set[SessionProcess] = set()  # the sessions' processes, each until it has ended
        self._handlers: set[asyncio.Task] = set()  # the sessions' request handlers

    def serve(self) -> None:
        """Serves until Ctrl+C or SIGTERM; each ends every session first (on_shutdown)."""
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, _stop)
            except NotImplementedError:  # Windows: Ctrl+C arrives as KeyboardInterrupt
                pass
        # shutdown_timeout: on_shutdown has ended the sessions; nothing else (a download) holds the server
        web.run_app(self.make_app(), host=self.host, port=self.port, handle_signals=False, loop=loop,
                    print=None, shutdown_timeout=STOP_SECONDS)

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._token_gate])
        app.add_routes([
            web.get("/", self.coding_page, name="index"),
            web.get("/ws/{token}", self.coding_session, name="websocket"),
            web.get("/download/{key}", self.download, name="download"),
            web.static("/static", STATIC_FILES, show_index=False, name="static"),
        ])
        app.on_shutdown.append(self.on_shutdown)
        return app

    def initialize_logging(self) -> None:
        """Plain lines, tokens masked (a traceback's request line and path hold its token), and no
        access log: aiohttp's would print every address."""
        handler = logging.StreamHandler()
        handler.setFormatter(_Masked("%(levelname)s %(name)s: %(message)s"))
        handler.addFilter(_malformed_request_in_one_line)
        logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

    async def on_shutdown(self, app: web.Application) -> None:
        """The server is stopping (Ctrl+C, SIGTERM): every session ends now, all at once, instead of
        when its browser goes away: its socket closed, its process asked to quit, then killed
        (SessionProcess.stop), so the server ends within seconds, however busy its sessions are."""
        await asyncio.gather(*map(_going_away, list(self._sockets)),
                             *(service.stop() for service in list(self._services)), return_exceptions=True)
        for handler in list(self._handlers):  # a socket cut off mid-frame never tells its reader it closed
            handler.cancel()

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
        page = PAGE.render(font_size=16, app_websocket_url=socket, config={"static": {"url": f"{base}/static/"}},
                           application={"name": "annotator"})
        response = web.Response(text=page, content_type="text/html")
        response.headers["Cache-Control"] = "no-store"  # the page holds the token
        response.headers["Referrer-Policy"] = "no-referrer"
        response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", secure=base.startswith("https"))
        return response

    async def download(self, request: web.Request) -> web.StreamResponse:
        """A file the app offered (Textual's deliver_*), streamed from its process as it comes."""
        key = request.match_info["key"]
        try:
            meta = await self.download_manager.get_download_metadata(key)
        except KeyError:
            raise web.HTTPNotFound(text="no such download\n") from None
        response = web.StreamResponse()
        response.headers["Content-Type"] = meta.mime_type + (f"; charset={meta.encoding}" if meta.encoding else "")
        disposition = "inline" if meta.open_method == "browser" else "attachment"
        response.headers["Content-Disposition"] = f"{disposition}; filename={meta.file_name}"
        await response.prepare(request)
        async for chunk in self.download_manager.download(key):
            await response.write(chunk)
        await response.write_eof()
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
        # --coder=NAME: a name starting with "-" stays a value. The database comes in the process's
        # ANNOTATOR_DB: a password in a command line is readable by every local user (ps).
        # The token names who acts: on a SQLite file the session says so in ANNOTATOR_USER (its events
        # name the coder); on PostgreSQL the server's own role codes for them, as a lead may.
        argv = ["env", f"ANNOTATOR_USER={coder}", sys.executable, "-m", "annotator", "code", f"--coder={coder}"]
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE_BYTES)
        width, height = terminal_size(_number(request.query.get("width"), 80), _number(request.query.get("height"), 24))
        service: SessionProcess | None = None
        self._sockets.add(websocket)
        handler = asyncio.current_task()
        if handler is not None:  # (a request is always handled in a task)
            self._handlers.add(handler)
        try:
            await websocket.prepare(request)
            service = SessionProcess(argv, {"ANNOTATOR_DB": self.db_url}, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                                     close=websocket.close, download_manager=self.download_manager, debug=self.debug)
            self._services.add(service)
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
            self._handlers.discard(handler)
            if service is not None:
                try:
                    await service.stop()  # the app saved each key as it came; closing the tab loses nothing
                finally:
                    self._services.discard(service)
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
                await service.set_terminal_size(*terminal_size(data["width"], data["height"]))
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


async def _going_away(websocket: web.WebSocketResponse) -> None:
    """Closed with a word to the browser, which has a moment to answer: one that reads nothing more
    would hold close() for ever (cut off, the connection just drops)."""
    try:
        await asyncio.wait_for(websocket.close(code=WSCloseCode.GOING_AWAY, message=b"the server is stopping"), 1.0)
    except TimeoutError:
        pass


def _stop() -> None:
    raise web.GracefulExit()  # aiohttp's way to stop run_app: its shutdown steps run


def _number(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
