"""Generate the CLI reference (docs/cli.md) from the commands' own --help, so the docs cannot drift."""

from __future__ import annotations

import click


def _commands(group: click.Group, prefix: str):
    ctx = click.Context(group, info_name=prefix)
    for name in sorted(group.list_commands(ctx)):
        command = group.get_command(ctx, name)
        yield f"{prefix} {name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")


def all_commands():
    """(full name, command) for every command and sub-command of ``casestudy``."""
    from .cli import main

    return list(_commands(main, "casestudy"))


def help_text(full_name: str, command: click.Command) -> str:
    parts = full_name.split()
    ctx = click.Context(command, info_name=" ".join(parts), terminal_width=100, max_content_width=100)
    return command.get_help(ctx)


def reference() -> str:
    """The Markdown CLI reference: the help of ``casestudy`` and of every command."""
    from .cli import main

    lines = ["# Command-line reference", "", "Generated from `--help` by `python -m casestudy.clidocs`; "
             "a test checks that it is up to date.", "", "```", help_text("casestudy", main), "```", ""]
    for name, command in all_commands():
        lines += [f"## {name}", "", "```", help_text(name, command), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    from pathlib import Path

    target = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
    target.write_text(reference(), encoding="utf-8")
    print(f"wrote {target}")
