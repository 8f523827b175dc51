"""Every command has help text and is in docs/cli.md, which is generated from --help and must be current."""

from pathlib import Path

import pytest

from casestudy.clidocs import all_commands, reference

DOCS = Path(__file__).parents[1] / "docs" / "cli.md"


@pytest.mark.parametrize("name, command", all_commands(), ids=[n for n, _ in all_commands()])
def test_every_command_has_help_and_is_documented(name, command):
    assert (command.help or "").strip(), f"{name} has no help text"
    assert f"## {name}\n" in DOCS.read_text(encoding="utf-8")


def test_cli_reference_is_up_to_date():
    assert DOCS.read_text(encoding="utf-8") == reference(), "run: python -m casestudy.clidocs"


def test_readme_names_exactly_the_two_setup_commands():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set up", 1)[1].split("```", 2)[1]
    assert [l.split("#")[0].strip() for l in setup.strip().splitlines()[1:]] == ["make demo", "make test"]
