"""`annotator train`: suggesters that learn from gold."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from annotator import cli
from annotator.cli import Db, _Command, _db


@cli.app.command(cls=_Command)
def train(ctx: typer.Context,
          task: Annotated[str, typer.Option(metavar="TASK", help="stance | entities")] = "stance",
          out: Annotated[Optional[Path], typer.Option(
              metavar="PATH", show_default="models/TASK", help="Folder to save the model in")] = None,
          eval_split: Annotated[float, typer.Option(
              metavar="SHARE", help="Share of gold documents held out to score the model")] = 0.2,
          epochs: Annotated[int, typer.Option(metavar="N", help="Passes over the training documents (entities)")] = 10,
          base: Annotated[Optional[str], typer.Option(
              metavar="MODEL", show_default="en_core_web_sm, or its PyPI twin",
              help="Pipeline to start from: package name or path (e.g. a model trained before)")] = None,
          seed: Annotated[int, typer.Option(metavar="N", help="The same seed gives the same split")] = 0,
          as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
          db: Db = None) -> None:
    """Train the stance model or fine-tune entity recognition on gold, on CPU, and save it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from annotator.services.project import open_project
    from annotator.services.train import train as run_train

    engine = open_project(_db(ctx, db))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=cli.err, transient=True, disable=not cli.err.is_terminal) as bar:
        stage = [None]

        def on_stage(name: str, steps: int) -> None:
            if stage[0] is not None:
                bar.update(stage[0], completed=bar.tasks[stage[0]].total)
            stage[0] = bar.add_task(name, total=steps)

        report = run_train(engine, task, out, eval_split=eval_split, epochs=epochs, base=base,
                           seed=seed, on_stage=on_stage, on_step=lambda: bar.advance(stage[0]))
    if as_json:
        import dataclasses
        import json

        cli.out.print(json.dumps(dataclasses.asdict(report), default=str, indent=2))
    else:
        _print_report(report)


def _print_report(report) -> None:
    from rich.table import Table

    out = cli.out
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
    out.print(f"Saved {report.out} (version {report.version}) in {report.seconds:.0f} s. "
              f"Suggest with it: annotator suggest --model {report.out}")


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
