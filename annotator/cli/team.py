"""The team's commands: coders and roles, assignment, agreement and the dashboard."""

from __future__ import annotations

from typing import Annotated

import typer

from annotator.cli.shared import Command, Db, Group, app, err, out, project_db, web_address
from annotator.cli.coding import run_app
from annotator.domain.errors import InputError

coder_app = typer.Typer(cls=Group, help="Coders and their roles (coder or lead).", no_args_is_help=True)
app.add_typer(coder_app, name="coder")

Role = Annotated[str | None, typer.Option(
    "--role", metavar="coder|lead", show_default="coder for a new coder; an existing one keeps theirs",
    help="coder codes; lead also adjudicates")]


@coder_app.command("add", cls=Command)
def coder_add(ctx: typer.Context, name: Annotated[str, typer.Argument(metavar="NAME")], role: Role = None,
              db: Db = None) -> None:
    """Add a coder (or change a coder's role)."""
    from annotator.services.project import open_project
    from annotator.services.team import add_coder

    out.print(add_coder(open_project(project_db(ctx, db)), name, role))


@coder_app.command("list", cls=Command)
def coder_list(ctx: typer.Context, db: Db = None) -> None:
    """Every coder with their role, what is assigned to them and what they have done."""
    from rich.table import Table

    from annotator.services.project import open_project
    from annotator.services.team import list_coders

    rows = list_coders(open_project(project_db(ctx, db)))
    if not rows:
        out.print("No coders yet: add one with `annotator coder add NAME`.")
        return
    table = Table("coder", "role", "assigned", "of them overlap", "done")
    for row in rows:
        table.add_row(row.name, row.role, str(row.assigned), str(row.overlap), str(row.done))
    out.print(table)


@coder_app.command("token", cls=Command)
def coder_token(ctx: typer.Context, name: Annotated[str, typer.Argument(metavar="NAME")],
                revoke: Annotated[bool, typer.Option("--revoke", help="Revoke every token of this coder")] = False,
                url: Annotated[str, typer.Option(
                    metavar="URL", help="Where `annotator serve` is reached (behind a proxy: its https address)")]
                = "http://127.0.0.1:8000",
                db: Db = None) -> None:
    """Print a link with a fresh token that opens the served coding screen as this coder."""
    from annotator.services.access import new_token, revoke_tokens
    from annotator.services.project import open_project

    if not revoke:
        url = web_address("--url", url)
    engine = open_project(project_db(ctx, db))
    if revoke:
        n = revoke_tokens(engine, name)
        out.print(f"Revoked {n} token(s) of {name}: their links open nothing now.")
        return
    token = new_token(engine, name)
    out.print(f"{url}/?token={token}")
    err.print(f"The link opens the coding screen as {name}; give it to them alone. It is shown once "
              f"(only a hash is kept); `annotator coder token {name} --revoke` ends it.")


def _names(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise InputError("--coders needs names separated by commas, e.g. --coders alice,bob,carol")
    return names


@app.command(cls=Command)
def assign(ctx: typer.Context,
           coders: Annotated[str, typer.Option("--coders", metavar="A,B,...", help="Coders, comma-separated")],
           overlap: Annotated[float | None, typer.Option(
               metavar="SHARE", help="Share of documents every coder codes (the rest: one coder each)")] = None,
           per_doc: Annotated[int | None, typer.Option(
               "--per-doc", metavar="K", help="Every document to K coders instead")] = None,
           seed: Annotated[int, typer.Option(metavar="N", help="The same seed gives the same assignment")] = 0,
           blind: Annotated[float | None, typer.Option(
               metavar="SHARE", help="Share of documents shown without suggestions (agree compares them)")] = None,
           db: Db = None) -> None:
    """Assign documents to coders, balanced and reproducible; work already done stays with its coder."""
    from rich.table import Table

    from annotator.services.project import open_project
    from annotator.services.team import assign as run_assign

    report = run_assign(open_project(project_db(ctx, db)), _names(coders), overlap=overlap, per_doc=per_doc, seed=seed,
                        blind=blind)
    table = Table("coder", "documents", "of them overlap", title=f"Assigned {report.documents} documents")
    for name, (n, shared) in report.per_coder.items():
        table.add_row(name, str(n), str(shared))
    out.print(table)
    if report.kept:
        out.print(f"Kept {report.kept} document(s) with coders who had already worked on them.")
    if report.blind is not None:
        out.print(f"{report.blind} document(s) are blind: coders see them without suggestions, and "
                  "`annotator agree` sets them against the assisted ones.")


@app.command(cls=Command)
def agree(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
          coders: Annotated[str | None, typer.Option(
              "--coders", metavar="A,B,...", show_default="every coder", help="Only these coders")] = None,
          target: Annotated[str | None, typer.Option(
              metavar="TARGET", show_default="every target", help="Only this stance target")] = None,
          db: Db = None) -> None:
    """Intercoder reliability of the done annotations: stance per target, entities per label."""
    import json

    from annotator.services.agreement import agreement
    from annotator.services.project import open_project

    found = agreement(open_project(project_db(ctx, db)), _names(coders) if coders else None, target)
    if as_json:
        print(json.dumps(found.report))
        return
    if found.shared_documents == 0:
        out.print("No document has done annotations from two coders yet, so there is no agreement to "
                  "measure. Give coders overlapping documents (`annotator assign --coders alice,bob "
                  "--overlap 0.2`) and mark them done.")
        return
    _print_agreement(found.report, found.shared_documents, found.coders)


def _figure(value: float | None, digits: int = 3) -> str:
    return "undefined" if value is None else f"{value:.{digits}f}"


def _print_agreement(result: dict, shared: int, coders: tuple[str, ...]) -> None:
    from rich.table import Table

    out.print(f"{shared} document(s) done by two coders or more; coders: {', '.join(coders)}")
    stance = Table("target", "alpha", "95% CI", "Fleiss κ", "agree", "units", "coders",
                   title="Stance, nominal (undefined: too few units, or one category only)")
    stance.columns[0].no_wrap = True
    pairs = Table("target", "pair", "Cohen κ", title="Stance, per pair of coders")
    for target, figures in result["stance"].items():
        interval = figures["alpha_ci95"]
        stance.add_row(target, _figure(figures["alpha"]),
                       "undefined" if interval is None else f"{interval[0]:.2f}–{interval[1]:.2f}",
                       _figure(figures["fleiss_kappa"]),
                       "undefined" if figures["percent_agreement"] is None else f"{figures['percent_agreement']:.1%}",
                       str(figures["units"]), str(figures["coders"]))
        for pair, kappa in figures["cohen_kappa"].items():
            pairs.add_row(target, pair.replace("~", " ~ "), _figure(kappa))
    out.print(stance)
    if pairs.row_count:
        out.print(pairs)
    entities = result["entities"]
    spans = Table("pair", "F1 exact", "F1 relaxed", title="Entities, per pair of coders (relaxed: overlapping, same label)")
    for pair, exact in entities["f1_exact"].items():
        spans.add_row(pair.replace("~", " ~ "), _figure(exact), _figure(entities["f1_relaxed"].get(pair)))
    labels = Table("label", "F1 exact", title="Entities, per label (all pairs pooled)")
    for label, figures in entities["per_label"].items():
        labels.add_row(label, _figure(figures["f1_exact"]))
    for table in (spans, labels):
        if table.row_count:
            out.print(table)
    out.print(f"Token-level alpha (each token a unit, its entity label the value): {_figure(entities['token_alpha'])}")
    _print_anchoring(result["suggestions"])


def _print_anchoring(conditions: dict) -> None:
    """Blind against assisted documents: do coders follow the model rather than the codebook?"""
    from rich.table import Table

    assisted, blind = conditions["assisted"], conditions["blind"]
    if not blind["documents"]:
        out.print("No blind documents: `annotator assign ... --blind 0.1` shows a share without suggestions, "
                  "so agreement with the model can be compared with and without them.")
    heads = (f"assisted ({assisted['documents']} docs)", f"blind ({blind['documents']} docs)")
    together = Table("coders with each other", *heads, title="Blind (no suggestions shown) against assisted documents")
    for target in assisted["coder_alpha"]:
        together.add_row(f"stance alpha {target}", _figure(assisted["coder_alpha"][target]),
                         _figure(blind["coder_alpha"].get(target)))
    together.add_row("entities F1 exact", _figure(assisted["coder_f1_exact"]), _figure(blind["coder_f1_exact"]))
    out.print(together)
    model = Table("coder", "same stance\nassisted", "\nblind", "Cohen κ\nassisted", "\nblind", "F1 exact\nassisted",
                  "\nblind", title="Each coder with the model's suggestion")
    for coder in sorted(set(assisted["model"]) | set(blind["model"])):
        a, b = assisted["model"].get(coder, {}), blind["model"].get(coder, {})
        model.add_row(coder, _share(a.get("stance_agreement")), _share(b.get("stance_agreement")),
                      _figure(a.get("stance_kappa"), 2), _figure(b.get("stance_kappa"), 2),
                      _figure(a.get("f1_exact"), 2), _figure(b.get("f1_exact"), 2))
    if model.row_count:
        out.print(model)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


@app.command(cls=Command)
def dashboard(ctx: typer.Context, coder: Annotated[str | None, typer.Option(
        metavar="NAME", show_default="your login name", help="Who codes a document opened from it")] = None,
        db: Db = None) -> None:
    """Progress per coder, agreement per target and label, and the documents coders agree on least."""
    run_app(project_db(ctx, db), coder, None, True)


@app.command(cls=Command)
def gold(ctx: typer.Context, min_agreement: Annotated[int | None, typer.Option(
        "--min-agreement", metavar="K", show_default="more than half the document's coders",
        help="Coders who must agree on an item")] = None, db: Db = None) -> None:
    """Derive gold from the done annotations, item by item; what a lead adjudicated stays."""
    from annotator.processes import GOLD_WORKER_MODULES, start_worker_server

    start_worker_server((*GOLD_WORKER_MODULES, "annotator.cli"))  # first: its imports run beside the next line's
    from annotator.services.gold import derive_all
    from annotator.services.project import open_project

    report = derive_all(open_project(project_db(ctx, db)), min_agreement)
    items = report.items
    out.print(f"Gold for {report.documents} document(s): {report.settled} settled, "
              f"{report.disputed_documents} with disputes left for a lead "
              f"({report.single_coder} coded by one coder, taken as coded).")
    out.print(f"Items: {items['unanimous']} unanimous, {items['majority']} majority, {items['disputed']} disputed; "
              f"{report.outvoted} span(s) outvoted; {report.adjudicated_kept} adjudicated decision(s) kept.")
    if report.outside_codebook:
        more = report.outside_documents - len(report.outside_ids)
        out.print(f"Left out {report.outside_codebook} coded item(s) whose label is not in the codebook (written "
                  f"around the tool), on {report.outside_documents} document(s): {', '.join(report.outside_ids)}"
                  f"{f' and {more} more' if more else ''}; `annotator show ID` lists each coder's labels.")
    if items["disputed"]:
        out.print("A lead settles the disputes with `annotator review`.")


@app.command(cls=Command)
def review(ctx: typer.Context, coder: Annotated[str | None, typer.Option(
        metavar="NAME", show_default="you", help="The lead reviewing (someone else: the lead role)")] = None,
           db: Db = None) -> None:
    """Settle the coders' disagreements into gold, side by side (leads only)."""
    from annotator.services.gold import ReviewSession
    from annotator.services.project import open_project
    from annotator.tui import load_textual

    load_textual()
    from annotator.tui.review_app import ReviewApp

    session = ReviewSession.for_lead(open_project(project_db(ctx, db)), coder)
    ReviewApp(session).run()
