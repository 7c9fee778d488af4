"""The coding app. It is handed a session (database and coder) from outside: tests make their own.

From the command line it is handed an opener instead, run after the first frame: the database layer
takes twice Textual's own start-up to import, and a coder should see the screen take over the
terminal at once rather than wait on a blank shell for a second.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TYPE_CHECKING

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Static

from annotator.domain.display import masked_url
from annotator.domain.errors import InputError
from annotator.domain.keymap import DEFAULT_KEYS, KeysInForce
from annotator.tui.notices import NOTICE_CSS
from annotator.tui.strips import SAFE_LINES

if TYPE_CHECKING:
    from annotator.services.coding import CodingSession


IDLE_COLLECT_SECONDS = 2.0


class CodingApp(App):
    TITLE = "annotator"
    CSS = NOTICE_CSS
    ENABLE_COMMAND_PALETTE = True
    _notice: tuple[Any, ...] | None = None  # what say() shows next (see say)
    stores_under_way = 0  # large stores running in workers: no idle collection meanwhile (see on_mount)
    keys_in_force: KeysInForce = DEFAULT_KEYS  # the coding screen's keys, with the coder's remap

    def __init__(self, session: CodingSession | None = None, *,
                 opener: Callable[[], CodingSession] | None = None, opening: str = "",
                 dashboard_first: bool = False, keys: KeysInForce = DEFAULT_KEYS) -> None:
        """Either a `session`, or an `opener` that makes one (run in a thread after the first frame,
        `opening` naming what it opens). An opener's error ends the app and is kept in `open_error`.
        With dashboard_first, the dashboard shows first; a document chosen there opens for coding.
        `keys`: the coding screen's keys in force (the user's config remaps them)."""
        super().__init__()
        self.keys_in_force = keys
        self.session = session
        self._dashboard_first = dashboard_first
        self._opener = opener
        self._opening = opening
        self.open_error: BaseException | None = None
        self._collections = FullCollections()

    def get_line_filters(self) -> Sequence[LineFilter]:
        return [*super().get_line_filters(), SAFE_LINES]

    def on_mount(self) -> None:
        self.set_keymap(dict(self.keys_in_force.remapped))  # Textual's bindings (help, palette) agree
        if self.session is not None:
            self._start(self.session)
        else:
            self.push_screen(OpeningScreen(self._opening))
            # after the first frame: the worker imports the database layer, and would slow the painting
            self.call_after_refresh(self._open)
        self._collections.hold_full()
        self.last_activity = time.monotonic()
        self.set_interval(IDLE_COLLECT_SECONDS, self._collect_when_idle)

    def on_unmount(self) -> None:
        self._collections.restore()  # the process may go on (a test runs many apps in one)

    @work(thread=True, exit_on_error=False)
    def _open(self) -> None:
        try:
            assert self._opener is not None, "opened only when an opener was given"
            session = self._opener()
            from annotator.tui.screens.coding import CodingScreen  # its imports are the slow part
        except BaseException as error:  # the command line reports it once the terminal is restored
            self.call_from_thread(self._failed, error)
            return
        self.call_from_thread(self._opened, session, CodingScreen)

    def _opened(self, session: CodingSession, screen: type[Screen]) -> None:
        self.session = session
        self.pop_screen()
        self._start(session)

    def _start(self, session: CodingSession) -> None:
        from annotator.tui.screens.coding import CodingScreen

        try:  # a remapped key the project's codebook binds too: said as the command line says errors
            self.keys_in_force.check_codebook(session.codebook)
        except InputError as error:
            self._failed(error)
            return
        if not self._dashboard_first:
            self.push_screen(CodingScreen(session))
            return
        from annotator.tui.screens.dashboard import DashboardScreen, dashboard_loader

        def chosen(pk: int | None) -> None:
            if pk is None:
                self.exit()
            else:
                self.push_screen(CodingScreen(session, start=pk))

        self.push_screen(DashboardScreen(dashboard_loader(session.engine), session.codebook.name), chosen)

    def _failed(self, error: BaseException) -> None:
        self.open_error = error
        self.exit(return_code=1)

    def _collect_when_idle(self) -> None:
        if (time.monotonic() - self.last_activity >= IDLE_COLLECT_SECONDS and gc.get_count()[2]
                and not self.stores_under_way):  # a store's million objects: 200-350 ms, with the coder waiting
            gc.collect()
            gc.freeze()

    async def action_quit(self) -> None:
        """ctrl+q and the palette's Quit end like q: the open document's active time is stored first."""
        from annotator.tui.screens.coding import CodingScreen

        for screen in self.screen_stack:
            if isinstance(screen, CodingScreen):
                screen.action_quit()
                return
        self.exit()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette: every action of the coding screen, with its key as the coder types it ("{",
        not "left_curly_bracket"). Textual's own entries (theme, keys panel, screenshot, maximize)
        are for developers and left out; other screens offer Quit."""
        from annotator.tui.screens.coding import CodingScreen
        from annotator.tui.screens.help import keys_as_typed  # loaded when first needed, as the help is

        if not isinstance(screen, CodingScreen):
            yield SystemCommand("quit", "Quit (everything is already saved)", self.action_quit)
            return
        for key, description, tooltip, action in screen.key_table():
            yield SystemCommand(f"{description} ({keys_as_typed(key)})", tooltip,
                                lambda action=action: screen.run_action(action) if screen.may_run(action) else None)

    def say(self, message: str, title: str = "", severity: SeverityLevel = "information",
            timeout: float | None = None) -> None:
        """A notice that replaces the one before instead of stacking over the stance panel, shown as
        plain text (it may quote an article, brackets included). Of notices said in one go, the last
        shows: Textual mounts toasts a moment later, and two clear-and-notify in a row left two."""
        if self._notice is None:
            self.call_later(self._show_notice)
        self._notice = (message, title, severity, timeout)

    def _show_notice(self) -> None:
        if self._notice is None:  # taken back by unsay
            return
        (message, title, severity, timeout), self._notice = self._notice, None
        self.clear_notifications()
        self.notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def unsay(self) -> None:
        """Takes the notice down (and one about to show): it spoke of what is no longer so."""
        self._notice = None
        self.clear_notifications()


class FullCollections:
    """Python's full collections took 100-140 ms, every 30 key presses or so, stalling the key that
    triggered one. While an app runs they wait for the coder to be reading (no key for a while, see
    CodingApp._collect_when_idle); what survives one is frozen, so the next has little to walk
    through. `restore` gives the process back the settings it had before `hold_full`."""

    def __init__(self) -> None:
        self.threshold: tuple[int, int, int] | None = None
        self.frozen_before = 0

    def hold_full(self) -> None:
        self.threshold, self.frozen_before = gc.get_threshold(), gc.get_freeze_count()
        gc.freeze()
        gc.set_threshold(*self.threshold[:2], 1_000_000)

    def restore(self) -> None:
        if self.threshold is None:
            return
        gc.set_threshold(*self.threshold)
        if not self.frozen_before:  # someone else's freeze is theirs to undo
            gc.unfreeze()
        self.threshold = None


class OpeningScreen(Screen):
    """The first frame, shown while the database layer loads and the project opens. Keys pressed
    here do nothing: the coder has not seen a document to act on."""
    DEFAULT_CSS = """
    OpeningScreen { align: center middle; }
    OpeningScreen Static { width: auto; color: $text-muted; }
    """

    def __init__(self, opening: str) -> None:
        super().__init__()
        self.opening = opening

    def compose(self) -> ComposeResult:
        yield Static(f"annotator: opening {self.opening}…", markup=False)


def make_app(db: str | None, coder: str | None, model: str | None = None, dashboard_first: bool = False,
             order: str = "sequential", keys: KeysInForce = DEFAULT_KEYS) -> CodingApp:
    """The app as the command line opens it; tests build CodingApp around their own session."""

    def open_session() -> CodingSession:
        from annotator.services.coding import CodingSession
        from annotator.services.project import open_project

        return CodingSession.for_coder(open_project(db), coder, model=model, order=order)

    shown = db or "annotator.db"
    if "@" in shown:  # a server URL: never put its password on screen
        shown = shown.split("://", 1)[0] + "://…@" + shown.rsplit("@", 1)[1]
    shown = masked_url(shown)  # nor one in its query string (?password=)
    return CodingApp(opener=open_session, opening=shown, dashboard_first=dashboard_first, keys=keys)
