"""`annotator status` and `annotator show`: the project and one document, as tables or JSON."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from annotator.cli.shared import Command, Db, app, out, project_db
from annotator.domain.display import json_for_terminal


@app.command(cls=Command)
def status(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
           db: Db = None) -> None:
    """Documents, suggestions, annotations by coder and status, and gold."""
    _print_status(project_db(ctx, db), as_json)


def _print_status(db: str | None, as_json: bool) -> None:
    from rich.table import Table  # (here: only the status tables need it, and it costs every command 4 ms)

    from annotator.services.inspect import project_status
    from annotator.services.project import open_project

    data = project_status(open_project(db))
    if as_json:
        print(json.dumps(data))
        return
    out.print(f"Documents {data['documents']} · suggested {data['suggested']} · gold {data['gold']}")
    items = data["gold_items"]
    if data["gold"]:
        out.print(f"Gold items: {items['unanimous']} unanimous, {items['majority']} majority, "
                  f"{items['adjudicated']} adjudicated; {items['disputed']} disputed left for a lead; "
                  f"{items['stale']} adjudicated decision(s) stale (a coder changed a done annotation since)")
    if data["annotations"]:
        table = Table("coder", "draft", "done", "skipped", title="Annotations")
        for coder, n in data["annotations"].items():
            table.add_row(coder, str(n["draft"]), str(n["done"]), str(n["skipped"]))
        out.print(table)
    else:
        out.print("No annotations yet.")
    _print_suggestion_use(data["suggestion_use"])


def _print_suggestion_use(use: dict) -> None:
    from rich.table import Table

    def share(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    for kind in ("entity", "stance"):
        if kind not in use:
            continue
        table = Table(kind + " label / coder", "decided", "accepted", "changed", "rejected",
                      title=f"What coders did with {kind} suggestions")
        for axis in ("by_label", "by_coder"):
            for key, row in use[kind][axis].items():
                table.add_row(key if axis == "by_label" else f"coder {key}", str(row["decided"]),
                              share(row["accepted"]), share(row["changed"]), share(row["rejected"]))
            if axis == "by_label":
                table.add_section()
        out.print(table)
    if use["seconds_per_document"]:
        table = Table("coder", "done, timed", "s/document assisted", "s/document blind", title="Time per done document")
        for coder, row in use["seconds_per_document"].items():
            table.add_row(coder, str(row["documents"]), *(f"{row[k]:.0f}" if row[k] is not None else "-"
                                                          for k in ("assisted", "blind")))
        out.print(table)


@app.command(cls=Command)
def show(ctx: typer.Context, doc_id: Annotated[str, typer.Argument(metavar="ID")],
         as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False, db: Db = None) -> None:
    """One document with its suggestions, every coder's annotation and gold."""
    from annotator.services.inspect import show_document
    from annotator.services.project import open_project

    data = show_document(open_project(project_db(ctx, db)), doc_id)
    if as_json:
        print(json_for_terminal(json.dumps(data, ensure_ascii=False)))
        return
    _print_document(data)


def _print_document(data: dict) -> None:
    from rich.text import Text

    text = data["text"]
    out.print(Text.assemble((data["title"] or data["id"], "bold"), f"  ({data['id']})"))
    out.print(" · ".join(str(v) for k, v in data["meta"].items() if k in ("source", "date", "url")))
    out.print(text)
    for s in data["suggestions"]:
        out.print(Text.assemble("\n", ("Suggestions", "bold"),
                                f" {s['model']} {s['version']}: {len(s['spans'])} spans"))
        for st in s["stances"]:
            out.print(f"  {st['target']}: {st['label']} {st.get('score')}")
    for a in data["annotations"]:
        spans = ", ".join(f"{sp['label']} {sp['text']!r}" + ("" if sp["aligned"] else " (off token boundaries)")
                          for sp in a["spans"])
        out.print(Text.assemble("\n", (a["coder"], "bold"), f" ({a['status']}): {spans}"))
        for st in a["stances"]:
            out.print(f"  {st['target']}: {st['label']}")
        rejected = [f"{d['label']} {text[d['start']:d['end']]!r}" if d["on"] == "span" else
                    f"stance {d['target']}: {d['label']}" for d in a["decisions"] if d["decision"] == "rejected"]
        if rejected:
            out.print(f"  rejected by {a['coder']}: " + ", ".join(rejected))
