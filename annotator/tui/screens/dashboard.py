"""The dashboard: each coder's progress, agreement per target and per label, and the documents the
coders agree on least, each opening in the coding screen (enter). Laid out for 80x24: every row is
built for the width it has, so nothing a lead reads is cut."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Label, ProgressBar, Static
from textual_plotext import PlotextPlot

from annotator.services.dashboard import Dashboard, dashboard


def dashboard_loader(engine) -> Callable[[], Dashboard]:
    return lambda: dashboard(engine)


class DashboardScreen(Screen[int | None]):
    """Dismissed with the key of the document to open, or None (escape)."""
    BINDINGS = [
        Binding("enter", "open", "open", tooltip="Open the highlighted document in the coding screen"),
        Binding("r", "refresh", "refresh", tooltip="Compute the figures again"),
        Binding("escape,q", "close", "back", tooltip="Close the dashboard"),
    ]
    DEFAULT_CSS = """
    DashboardScreen #title { height: 1; padding: 0 1; background: $primary-darken-2; color: $text; }
    DashboardScreen Horizontal.row { height: 1fr; }
    DashboardScreen #progress { width: 1fr; border: round $primary-darken-1; padding: 0 1;
                                scrollbar-size-vertical: 1; }
    DashboardScreen .coder { height: 1; }
    DashboardScreen .use { height: auto; color: $text-muted; }
    DashboardScreen .coder .who { width: 19; }
    DashboardScreen .coder ProgressBar { width: 1fr; }
    DashboardScreen .coder Bar { width: 1fr; }
    DashboardScreen PlotextPlot { border: round $primary-darken-1; width: 1fr; }
    DashboardScreen #least-agreed { width: 1fr; border: round $primary-darken-1; }
    DashboardScreen #keys { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, load: Callable[[], Dashboard], title: str) -> None:
        super().__init__()
        self._load, self._title = load, title
        self.data: Dashboard | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Dashboard · {self._title} · computing…", style="bold"), id="title")
        with Horizontal(classes="row"):
            yield VerticalScroll(id="progress")
            yield PlotextPlot(id="stance")
        with Horizontal(classes="row"):
            yield PlotextPlot(id="labels")
            table: DataTable = DataTable(id="least-agreed", cursor_type="row", zebra_stripes=True)
            table.border_title = "Least agreed (enter opens)"
            yield table
        yield Static("enter open · r refresh · escape back", id="keys")

    def on_mount(self) -> None:
        self.query_one("#progress").border_title = "Progress (done of assigned)"
        self.query_one(DataTable).add_columns("document", "differ", "title")
        self.query_one(DataTable).focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        self._compute()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _compute(self) -> None:
        try:
            data = self._load()  # reads every done annotation: off the screen's thread
        except Exception as error:  # e.g. the database stayed locked: say so, keep the screen
            self.app.call_from_thread(self._failed, error)
            return
        self.app.call_from_thread(self._show, data)

    def _failed(self, error: Exception) -> None:
        self.query_one("#title", Static).update(
            Text(f"Dashboard · could not compute the figures: {error} (r tries again)", style="bold red"))

    def _show(self, data: Dashboard) -> None:
        self.data = data
        self.query_one("#title", Static).update(Text(
            f"Dashboard · {self._title} · {data.documents} documents · {data.shared_documents} done by two "
            "coders or more", style="bold"))
        self._show_figures(data)
        table = self.query_one(DataTable)
        table.clear()
        for item in data.least_agreed:
            d = item.disagreement
            table.add_row(_shorten(item.id, 14), f"{d.differing} of {d.items}", _shorten(item.title, 40),
                          key=str(item.pk))
        table.border_subtitle = "" if data.least_agreed else "none: no document done by two coders differs yet"

    def on_resize(self) -> None:
        if self.data is not None:  # the rows are built for the width they have, once laid out anew
            self.call_after_refresh(self._show_figures, self.data)

    def _show_figures(self, data: Dashboard) -> None:
        self._show_progress(data)
        self._chart("#stance", "Stance: alpha per target", data.stance_alpha)
        self._chart("#labels", "Entities: F1 (exact) per label", data.label_f1,
                    f"token alpha {_figure(data.token_alpha)}")

    def _show_progress(self, data: Dashboard) -> None:
        box = self.query_one("#progress", VerticalScroll)
        box.remove_children()
        width = box.content_region.width - box.styles.scrollbar_size_vertical  # room beside a scrollbar
        rows: list[Widget] = []
        for coder in data.coders:
            total = coder.assigned or data.documents  # without an assignment, every document
            bar = ProgressBar(total=max(total, 1), show_eta=False, show_percentage=True)
            bar.progress = min(coder.done, total)
            rows.append(Horizontal(Label(f"{coder.name[:10]:<10} {coder.done:>3}/{total:<4}", classes="who"), bar,
                                   classes="coder"))
            use = data.suggestion_use.get(coder.name, {})
            if use.get("decided"):  # what they did with suggestions: do coders follow the model?
                rows.append(Label(suggestion_use_line(use, width), classes="use"))
        box.mount_all(rows or [Label("No coders yet.")])

    def _chart(self, selector: str, title: str, values: dict[str, float | None], note: str = "") -> None:
        """Horizontal bars, each named whole with its figure (a bar alone is hard to read at 80x24);
        a name whose figure is undefined is listed too, with "–" and no bar."""
        plot = self.query_one(selector, PlotextPlot)
        plot.border_title = title
        undefined = any(value is None for value in values.values())
        plot.border_subtitle = " · ".join(filter(None, [note, "– undefined" if undefined else ""]))
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        if values:
            # Names cut only past what leaves a dozen columns of bar beside the figure and the axis.
            room = max(plot.content_region.width - 19, 10)
            names = [f"{_shorten(name, room)} {_figure(value, '–'):>4}" for name, value in values.items()]
            figures = [value or 0.0 for value in values.values()]
            plt.bar(names[::-1], figures[::-1], orientation="horizontal", width=0.2)
            plt.xlim(min(0.0, *figures), 1.0)
            plt.xticks([0.0, 0.5, 1.0])
        else:
            plt.title("nothing to compare yet")
        plot.refresh()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            if key.value is not None:  # each row is keyed by its document's pk
                self.dismiss(int(key.value))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.dismiss(int(event.row_key.value))

    def action_close(self) -> None:
        self.dismiss(None)


def _figure(value: float | None, undefined: str = "undefined") -> str:
    return undefined if value is None else f"{value:.2f}"


def suggestion_use_line(use: dict, width: int) -> str:
    """What a coder did with suggestions, and their seconds per document, in lines of `width`:
    whole phrases per line, so nothing is cut at 80 columns (one line where it fits)."""
    phrases = [("", f"✓{use['accepted']:.0%}"), (" ", f"~{use['changed']:.0%}"), (" ", f"✗{use['rejected']:.0%}"),
               (" ", f"of {use['decided']} suggestions")]
    if use.get("seconds") is not None:
        phrases.append((" · ", f"{use['seconds']:.0f} s/doc"))
    lines = ["  "]
    for joint, phrase in phrases:
        if lines[-1].strip() and len(lines[-1]) + len(joint) + len(phrase) > width:
            lines.append("  ")
        lines[-1] += (joint if lines[-1].strip() else "") + phrase
    return "\n".join(lines)


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
