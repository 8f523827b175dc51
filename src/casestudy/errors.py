"""The exceptions the library raises; only ``cli.py`` turns them into exit codes."""

from __future__ import annotations


class CasestudyError(Exception):
    """Base class: every error the library raises on purpose."""


class ReaderError(CasestudyError):
    """A source file cannot be read; the message says which file, what is wrong and what to do."""

    def __init__(self, path, problem: str, hint: str = ""):
        self.path = str(path)
        self.problem = problem
        self.hint = hint
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        """One line without the path: what is wrong and what to do."""
        return f"{self.problem}: {self.hint}" if self.hint else self.problem

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class CodebookError(CasestudyError):
    """A codebook or checklist is invalid; names the file, line and code id where known."""

    def __init__(self, message: str, *, path=None, line: int | None = None, code: str | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        self.code = code
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or "<codebook>"
        if self.line is not None:
            where += f", line {self.line}"
        if self.code:
            where += f", code '{self.code}'"
        return f"{where}: {self.message}"


class UsageError(CasestudyError):
    """An argument or option has a value the function cannot use."""


def check_choice(name: str, value, choices) -> None:
    """Raise UsageError naming the argument and its valid values when ``value`` is not one of them."""
    if value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise UsageError(f"{name} must be one of {valid}, not {value!r}")
