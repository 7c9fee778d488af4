"""`annotator train` and `annotator models`: suggesters that learn from gold, and the one in use per task."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from annotator.cli.shared import Command, Db, Group, RateBar, app, err, out, project_db

models_app = typer.Typer(cls=Group, help="Model versions, their held-out scores, and the one in use per task.",
                         invoke_without_command=True)
app.add_typer(models_app, name="models")


@app.command(cls=Command)
def train(ctx: typer.Context,
          task: Annotated[str, typer.Option(metavar="TASK", help="stance | entities")] = "stance",
          out_path: Annotated[Path | None, typer.Option(
              "--out", metavar="PATH", show_default="models/TASK", help="Folder to save the model in")] = None,
          eval_split: Annotated[float, typer.Option(
              metavar="SHARE", help="Share of gold documents held out to score the model")] = 0.2,
          epochs: Annotated[int, typer.Option(
              metavar="N", help="Entities: at most this many passes over the gold (early stopping may end sooner)")] = 10,
          base: Annotated[str | None, typer.Option(
              metavar="MODEL", show_default="en_core_web_sm, or its PyPI twin",
              help="Pipeline to start from: package name or path (e.g. a model trained before)")] = None,
          seed: Annotated[int, typer.Option(metavar="N", help="The same seed gives the same split")] = 0,
          then_suggest: Annotated[bool, typer.Option(
              "--suggest", help="Once the new model is in use, suggest with it for every document no coder has "
                                "started")] = False,
          as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
          db: Db = None) -> None:
    """Train the stance model or fine-tune entity recognition on gold, on CPU, and save it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from annotator.services.project import open_project
    from annotator.services.train import train as run_train

    engine = open_project(project_db(ctx, db))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err.console, transient=True, disable=not err.is_terminal) as bar:
        stage: list[TaskID | None] = [None]

        def on_stage(name: str, steps: int) -> None:
            if stage[0] is not None:
                bar.update(stage[0], completed=bar.tasks[stage[0]].total)
            stage[0] = bar.add_task(name, total=steps)

        def on_step() -> None:
            if stage[0] is not None:
                bar.advance(stage[0])

        report = run_train(engine, task, out_path, eval_split=eval_split, epochs=epochs, base=base,
                           seed=seed, on_stage=on_stage, on_step=on_step)
    if as_json:
        import dataclasses
        import json

        out.print(json.dumps(dataclasses.asdict(report), default=str, indent=2))
    else:
        _print_report(report)
    if then_suggest:
        _suggest_with(engine, report)


def _suggest_with(engine, report) -> None:
    """`train --suggest`: the new model's suggestions for the documents no coder has started, so a
    coder's screen shows them from the next document on."""
    from annotator.services.suggest import suggest

    if not report.put_in_use:
        err.print(f"Not suggesting with {report.out}: it is not in use for {report.task}.")
        return
    bar = RateBar("Suggesting")
    with bar:
        done = suggest(engine, str(report.out), on_start=bar.start, on_progress=bar.advance, unstarted_only=True)
    err.print(f"Suggested {done.suggested} document(s) no coder has started with {done.model} {done.version}; "
              "coders see its suggestions from their next document on.")


def _print_report(report) -> None:
    from rich.table import Table

    items = "stances" if report.task == "stance" else "entity spans"
    out.print(f"Trained {report.task} on {report.train_documents} gold document(s) ({report.train_items} {items}); "
              f"held out {report.held_out_documents} ({report.held_out_items}).")
    if report.stance is not None:
        table = Table("held out", "trained model", "cold start", title="Stance on held-out documents")
        names = {"accuracy": "accuracy", "macro_f1": "macro F1", "f_avg": f"F_avg ({report.f_avg_of})"}
        for name, shown in names.items():
            table.add_row(shown, _figure(getattr(report.stance, name)), _figure(getattr(report.cold_start, name)))
        for label, scores in report.stance.labels.items():
            table.add_row(f"F1 {label}", _figure(scores.f1), _figure(report.cold_start.labels[label].f1))
        out.print(table)
    if report.entities is not None:
        table = Table("label", "precision", "recall", "F1", "F1 before", "gold spans",
                      title="Entities on held-out documents (exact spans)")
        for label, scores in report.entities.items():
            before = report.base_entities.get(label)
            table.add_row(label, _figure(scores.precision), _figure(scores.recall), _figure(scores.f1),
                          _figure(before.f1 if before else None), str(scores.support))
        out.print(table)
    if report.off_tokens:
        out.print(f"{report.off_tokens} gold span(s) fall off token boundaries and were left out of training.")
    for note in report.notes:
        out.print(f"Note: {note}")
    out.print(f"Saved {report.out} (version {report.version}) in {report.seconds:.0f} s.")
    name = f"{report.out.name}:{report.version}"
    measure = "macro F1" if report.task == "stance" else "exact-span F1"
    if report.score is not None and report.score_in_use is not None:
        compared = (f"{_figure(report.score)} {measure} on the held-out documents, the model in use "
                    f"({report.in_use_then}) {_figure(report.score_in_use)}")
        if report.put_in_use:
            out.print(f"In use for {report.task}: it scores {compared}.")
        else:
            out.print(f"Not put in use for {report.task}: it scores {compared}. To use it all the same: "
                      f"annotator models use {name} --task {report.task}")
    elif report.put_in_use:
        out.print(f"In use for {report.task} (no held-out documents to compare it on, and none was in use).")
    else:
        out.print(f"Not put in use for {report.task}: with no held-out documents it cannot be compared with the "
                  f"model in use. To use it: annotator models use {name} --task {report.task}")
    if report.put_in_use:
        out.print(f"Suggest with it: annotator suggest --model {report.out}")


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@models_app.callback()
def models(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
           db: Db = None) -> None:
    """Every model version: task, base, gold it learned from, held-out scores, and which is in use."""
    if ctx.invoked_subcommand is not None:
        return
    from annotator.services.models import list_models
    from annotator.services.project import open_project

    rows, in_use = list_models(open_project(project_db(ctx, db)))
    if as_json:
        import json

        out.print(json.dumps({"in_use": {task: {"model": m, "version": v} for task, (m, v) in in_use.items()},
                              "models": [_model_json(r) for r in rows]}, indent=2))
        return
    for task in ("entities", "stance"):
        name, version = in_use.get(task, ("-", ""))
        out.print(f"In use for {task}: {name} {version}".rstrip() if task in in_use else
                  f"In use for {task}: none chosen (each document's newest suggestion)")
    for r in rows:
        out.print("")
        for line in _model_lines(r):
            out.print(line)
    if rows:
        out.print("\nA lead changes the model in use:\n  annotator models use NAME[:VERSION] --task stance|entities")


def _model_lines(r) -> list[str]:
    """A model in a few lines that fit 80 columns: what it is, what it learned from, how it scored,
    and what coders did with its suggestions."""
    t = r.trained
    using = f", in use for {' and '.join(r.in_use_for)}" if r.in_use_for else ""
    lines = [f"{r.name}:{r.version}  {t.task if t else 'base pipeline'}{using}"]
    if not t:
        lines.append("  its NER's entities, and the cold-start rules' stances")
    if t:
        lines.append(f"  trained {t.created_at.astimezone():%Y-%m-%d %H:%M} on {t.train_documents} gold document(s)")
        lines.append(f"  from {t.base}")
        if t.score is None:
            lines.append("  no held-out documents: not scored")
        else:
            measure = "macro F1" if t.task == "stance" else "exact-span F1"
            lines.append(f"  {t.held_out_documents} held out: {measure} {_figure(t.score)}")
            if t.in_use_then:
                lines.append(f"  in use then: {t.in_use_then}, {_figure(t.score_in_use)} on the same documents")
    use = r.use
    for kind, shown in (("entity", "entities"), ("stance", "stances")):
        counts = use[kind]
        if any(counts.values()):
            lines.append(f"  coders on its {shown}: {counts['accepted']} accepted, {counts['changed']} changed, "
                         f"{counts['rejected']} rejected")
    if use["done_documents"]:
        lines.append(f"  {use['done_documents']} done document(s) showed it, "
                     f"{_figure1(use['actions_per_done_document'])} actions each")
    return lines


def _figure1(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _model_json(r) -> dict:
    t = r.trained
    return {"model": r.name, "version": r.version, "task": t.task if t else None, "base": t.base if t else None,
            "train_documents": t.train_documents if t else None,
            "held_out_documents": t.held_out_documents if t else None,
            "score": t.score if t else None, "score_in_use": t.score_in_use if t else None,
            "in_use_then": t.in_use_then if t else None,
            "trained_at": t.created_at.isoformat() if t and t.created_at else None, "in_use_for": list(r.in_use_for),
            "use": r.use}


@models_app.command("use", cls=Command)
def models_use(ctx: typer.Context, spec: Annotated[str, typer.Argument(metavar="NAME[:VERSION]")],
               task: Annotated[str, typer.Option(metavar="TASK", help="stance | entities")],
               db: Db = None) -> None:
    """Put a model version in use for a task: the coding screen shows its suggestions there (lead only)."""
    from annotator.services.models import use_model
    from annotator.services.project import open_project

    name, version = use_model(open_project(project_db(ctx, db)), spec, task)
    out.print(f"{name} {version} is in use for {task}. Documents it has not suggested for yet show the newest "
              f"suggestion until `annotator suggest --model` runs with it.")
