import pytest
from click.testing import CliRunner

from casestudy.cli import main
from casestudy.codebook import codebook_from_data, load_codebook, parse_yaml
from casestudy.errors import CodebookError

GOOD = """\
name: Test
codes:
  - id: prevention
    label: Forebygging
    patterns: ["forebygging"]
    children:
      - id: universal
        label: Universell
        patterns: ["universell forebygging", "befolkningsrettet*"]
"""


def write(tmp_path, text, name="cb.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path, text):
    path = write(tmp_path, text)
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    return str(info.value).replace(str(path), "cb.yaml")


def test_load_hierarchy_paths_and_ancestors(tmp_path):
    book = load_codebook(write(tmp_path, GOOD))
    assert book.ids == ["prevention", "universal"]
    assert book.paths() == {"prevention": "prevention", "universal": "prevention.universal"}
    assert book.ancestors("universal") == ["prevention"]
    assert book["universal"].line == 7


def test_round_trip_gives_an_equivalent_file(tmp_path):
    book = load_codebook(write(tmp_path, GOOD))
    again = load_codebook(book.save(tmp_path / "copy.yaml"))
    assert again.to_dict() == book.to_dict()


@pytest.mark.parametrize(
    "text, message",
    [
        ("- a\n- b\n", "cb.yaml, line 1: a codebook must be a YAML mapping with a 'codes' list"),
        ("codes:\n  - id: a\n    patterns: [x]\n    colour: red\n",
         "cb.yaml, line 2, code 'a': unknown key(s) colour (allowed: applies_to, assessment, children, description, "
         "evidence, examples, exclude, headings, id, label, negation, origin, patterns, regex, weight, "
         "with_context)"),
        ("codes:\n  - id: a\n    patterns: [x]\n  - id: a\n    patterns: [y]\n",
         "cb.yaml, line 4, code 'a': duplicate code id (first defined on line 2)"),
        ("codes:\n  - id: a\n    label: A\n", "cb.yaml, line 2, code 'a': code has no patterns (give 'patterns', "
                                              "'regex' or 'children')"),
        ("codes:\n  - id: a\n    patterns: ['']\n", "cb.yaml, line 2, code 'a': empty pattern"),
        ("codes:\n  - id: a\n    patterns: ['barn *']\n",
         "cb.yaml, line 2, code 'a': pattern 'barn *' has a glob that matches every word"),
        ("codes:\n  - id: a\n    regex: ['(']\n",
         "cb.yaml, line 2, code 'a': regex '(' does not compile (missing ), unterminated subpattern at position 0)"),
        ("codes:\n  - id: a\n    regex: ['(a+)+$']\n",
         "cb.yaml, line 2, code 'a': regex '(a+)+$' has a nested quantifier that can take exponential time; "
         "rewrite it without repeating a repeated group"),
        ("codes:\n  - id: a\n    origin: theory\n    patterns: [x]\n",
         "cb.yaml, line 2, code 'a': origin must be 'deductive' or 'inductive', not 'theory'"),
        ("codes:\n\t- id: a\n", "cb.yaml, line 2: invalid YAML: tab character: indent YAML with spaces"),
        ("codes: !!python/object/apply:os.system ['echo hi']\n",
         "cb.yaml, line 1: invalid YAML: YAML tags that construct objects are not allowed "
         "(tag:yaml.org,2002:python/object/apply:os.system)"),
        ("codes:\n  - id: 2a\n    patterns: [x]\n",
         "cb.yaml, line 2: a code id must start with a letter and hold only letters, digits, _ and - (got '2a')"),
    ],
)
def test_validation_errors_name_file_line_and_code(tmp_path, text, message):
    assert error_of(tmp_path, text) == message


def test_quanteda_style_dictionary():
    data = parse_yaml("barriers:\n  economy: [penger, budsjett*]\n  silo: [silo*]\ncooperation: [samarbeid]\n")
    book = codebook_from_data(data)
    assert book.ids == ["barriers", "economy", "silo", "cooperation"]
    assert book.paths()["economy"] == "barriers.economy"
    assert book["economy"].patterns == ["penger", "budsjett*"]


def test_cli_validate_and_show(tmp_path):
    path = write(tmp_path, GOOD)
    result = CliRunner().invoke(main, ["codebook", "validate", str(path)])
    assert result.exit_code == 0
    assert result.output == f"{path}: valid, 2 codes (2 with patterns)\n"
    shown = CliRunner().invoke(main, ["codebook", "show", str(path)])
    assert shown.output.splitlines() == [
        "prevention  Forebygging  [deductive, 1 patterns]", "  universal  Universell  [deductive, 2 patterns]"]
    bad = CliRunner().invoke(main, ["codebook", "validate", str(write(tmp_path, "- x\n", "bad.yaml"))])
    assert bad.exit_code == 1
    assert bad.output.endswith("line 1: a codebook must be a YAML mapping with a 'codes' list\n")


def test_export_refuses_to_overwrite_its_input(tmp_path):
    path = write(tmp_path, GOOD)
    before = path.read_bytes()
    result = CliRunner().invoke(main, ["codebook", "export", str(path), "--out", str(path)])
    assert result.exit_code == 1
    assert path.read_bytes() == before


@pytest.mark.parametrize("code_id, valid", [
    ("økonomi", True), ("barrier_economy", True), ("samarbeid-2", True), ("Åpen_dør", True),
    ("prevention\n", False), ("2nivå", False), ("_x", False), ("a b", False),
])
def test_code_ids_are_letters_of_any_script_matched_whole(code_id, valid):
    data = {"codes": [{"id": code_id, "patterns": ["forebygging"]}]}
    if valid:
        assert codebook_from_data(data).ids == [code_id]
    else:
        with pytest.raises(CodebookError, match="a code id must start with a letter"):
            codebook_from_data(data)
