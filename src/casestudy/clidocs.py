"""Generate the CLI reference (docs/cli.md) from the commands' own --help, so the docs cannot drift."""

from __future__ import annotations

import click


WIDTH = {"terminal_width": 100, "max_content_width": 100}


def _contexts(ctx: click.Context, prefix: str):
    group = ctx.command
    for name in sorted(group.list_commands(ctx)):
        command = group.get_command(ctx, name)
        sub = command.make_context(name, [], parent=ctx, resilient_parsing=True, **WIDTH)
        yield f"{prefix} {name}", command, sub
        if isinstance(command, click.Group):
            yield from _contexts(sub, f"{prefix} {name}")


def _root():
    from .cli import main

    return main, main.make_context("casestudy", [], resilient_parsing=True, **WIDTH)


def all_commands():
    """(full name, command) for every command and sub-command of ``casestudy``."""
    _, ctx = _root()
    return [(name, command) for name, command, _ in _contexts(ctx, "casestudy")]


def reference() -> str:
    """The Markdown CLI reference: the help of ``casestudy`` and of every command, as ``--help`` prints it."""
    main, ctx = _root()
    lines = ["# Command-line reference", "", "Generated from `--help` by `python -m casestudy.clidocs`; "
             "a test checks that it is up to date.", "", "```", main.get_help(ctx), "```", ""]
    for name, command, sub in _contexts(ctx, "casestudy"):
        lines += [f"## {name}", "", "```", command.get_help(sub), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    from pathlib import Path

    target = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
    target.write_text(reference(), encoding="utf-8")
    print(f"wrote {target}")
