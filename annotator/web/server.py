"""`annotator serve`: the coding screen in a browser, through textual-serve.

Each browser session runs `annotator code` in its own process, as the coder whose token opened the
page: the same screen, keys and storage as in a terminal. A request without a live token gets a
refusal and nothing else; the token travels in the page's address and in the websocket's path
(textual.js appends its own query to the websocket address).
"""

from __future__ import annotations

import asyncio
import logging
import re
import shlex
import sys
from collections.abc import Callable

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

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
        logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

    async def on_startup(self, app: web.Application) -> None:
        """The command line has said where it serves; textual-serve's banner would name no command."""

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
        own is one command for every session)."""
        token = request.match_info["token"]
        coder = self._coder(token)  # checked again: a page may outlive its token
        log.info("coding session for %s from %s", coder, request.remote)
        # --coder=NAME: a name starting with "-" stays a value. The database comes in ANNOTATOR_DB,
        # set by `serve`: a password in a command line is readable by every local user (ps).
        # The token names who acts: on a SQLite file the session says so in ANNOTATOR_USER (its events
        # name the coder); on PostgreSQL the server's own role codes for them, as a lead may.
        command = " ".join(shlex.quote(part) for part in ["env", f"ANNOTATOR_USER={coder}", sys.executable, "-m",
                                                          "annotator", "code", f"--coder={coder}"])
        websocket = web.WebSocketResponse(heartbeat=15)
        width = _number(request.query.get("width"), 80)
        height = _number(request.query.get("height"), 24)
        service: AppService | None = None
        try:
            await websocket.prepare(request)
            service = AppService(command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                                 close=websocket.close, download_manager=self.download_manager, debug=self.debug)
            await service.start(width, height)
            watch = asyncio.create_task(self._end_when_revoked(token, websocket))
            try:
                await self._process_messages(websocket, service)
            except (ValueError, AssertionError, KeyError, TypeError):  # not textual.js's messages: end the session
                await websocket.close()
            finally:
                watch.cancel()
        except asyncio.CancelledError:
            await websocket.close()
        finally:
            if service is not None:
                await service.stop()  # the app saved each key as it came; closing the tab loses nothing
        return websocket

    async def _end_when_revoked(self, token: str, websocket: web.WebSocketResponse) -> None:
        """A revoked token ends the sessions it opened too, within a few seconds."""
        while not websocket.closed:
            await asyncio.sleep(REVOKE_CHECK_SECONDS)
            if self.coder_for_token(token) is None:
                log.info("a coding session ended: its token was revoked")
                await websocket.close()
                return


class _Masked(logging.Formatter):
    """Log lines with tokens, in a query or a websocket path, masked."""
    TOKEN = re.compile(r"(token=|/ws/)[A-Za-z0-9_\-]+")

    def format(self, record: logging.LogRecord) -> str:
        return self.TOKEN.sub(r"\1…", super().format(record))


def _number(value: str | None, default: int) -> int:
    try:
        return max(10, min(int(value), 1000)) if value is not None else default
    except ValueError:
        return default
