"""Imported first by the server process that gold's worker processes are forked from: it ends with
the command that started it, as its workers end with it (see `processes.die_with_parent`)."""

from annotator.processes import die_with_parent

die_with_parent()
