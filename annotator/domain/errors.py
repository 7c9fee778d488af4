"""Errors caused by the user's input: reported as one readable line each, never a traceback."""

from __future__ import annotations


class InputError(Exception):
    """A problem a person can fix: where it is, what was found and what is allowed."""

    def __init__(self, message: str, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class CodebookError(InputError):
    """One or more problems in a codebook file; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class ConfigError(InputError):
    """One or more problems in the user's config file; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))
