"""A `pseudonym` column in cases.csv pseudonymises a run as --pseudonymise does (issue 21, «pseudonyms that
hold»); --no-pseudonymise keeps the real names in a private working run and says so."""

from __future__ import annotations

import json
import shutil
import unicodedata

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import every_text, make_docx, make_pdf

from casestudy.cli import main
from casestudy.errors import UsageError
from casestudy.sources.folder import CaseTable
from casestudy.sources.pseudonyms import REAL_NAMES_WARNING, decide

NAMES = ["Fjordvik", "fjordvik_leder", "Kari", "Nordmann", "Solbakken", "Nyby", "nyby_rektor", "Storeng"]
UNKNOWN_WARNING = "Ukjent 1/intervju 1.txt: not in cases.csv, so its case is called Ukjent 1 (add a row with a pseudonym)"
COLUMN = "cases.csv gives pseudonyms (its pseudonym column)"
TOLD_NOT = "--no-pseudonymise: real names kept although cases.csv gives pseudonyms"


def _named(root):
    """Names in folder and file names, text and speakers; cases.csv gives pseudonyms and a 'names' column;
    one file (nyby_rektor.txt) has no row."""
    (root / "plans").mkdir(parents=True)
    (root / "interviews" / "fjordvik").mkdir(parents=True)
    make_pdf(root / "plans" / "fjordvik.pdf", [[
        "# Fjordvik kommune: plan for forebygging",
        "Fjordviks barnevern samarbeider med Solbakken skole om tidlig innsats for barna.",
        "Storeng kommune og Fjordvik har felles helsestasjon for familiene.",
    ]])
    make_docx(root / "interviews" / "fjordvik" / "fjordvik_leder.docx", [
        "Intervjuer: Hvordan jobber dere med forebygging i Fjordvik?",
        "Kari Nordmann: Vi har tverrfaglige team på Solbakken, og barnehagene er viktige for tidlig innsats.",
    ])
    (root / "interviews" / "nyby_rektor.txt").write_text(
        "Intervjuer: Hva gjør skolen i Nyby?\nRektor: Nyby skole har et eget team for tidlig innsats for barna.\n",
        encoding="utf-8")
    (root / "cases.csv").write_text(
        "file,case,kind,role,region,pseudonym,names\n"
        "plans/fjordvik.pdf,Fjordvik,plan,,Vest,Kommune A,Solbakken;Storeng\n"
        "interviews/fjordvik/fjordvik_leder.docx,Fjordvik,interview,barnevernleder,Vest,Kommune A,\n",
        encoding="utf-8")
    return root


def _leaks(folder, text=""):
    """The names of NAMES found in any file below ``folder`` (or in ``text``, a command's output)."""
    found = set()
    for _, content in [*every_text(folder), ("output", text)]:
        folded = unicodedata.normalize("NFC", content).casefold()
        found |= {name for name in NAMES if name.casefold() in folded}
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A run with no option on a corpus whose cases.csv gives pseudonyms (kept as ``first``), then a run with
    --no-pseudonymise into the same folder."""
    base = tmp_path_factory.mktemp("kolonne")
    root = _named(base / "korpus")
    out, first = base / "ut", base / "first"
    args = ["run", str(root), "--out", str(out), "--jobs", "1", "--silent", "--by", "document",
            "--cache", str(base / "cache")]
    auto = CliRunner().invoke(main, args)
    if out.exists():
        shutil.copytree(out, first)
    told_not = CliRunner().invoke(main, args + ["--no-pseudonymise"])
    return first, auto, out, told_not


def test_a_pseudonym_column_pseudonymises_every_output_without_being_asked(runs):
    first, result, _, _ = runs
    assert result.exit_code == 0, result.output + repr(result.exception)
    outputs = {p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file()}
    assert {"documents.csv", "segments.csv", "coded_segments.csv", "word_counts.csv", "manifest.json",
            "appendix/appendix.xlsx", "appendix/appendix.docx", "exchange/project.qdpx"} <= outputs
    assert any(name.endswith(".png") for name in outputs)
    assert _leaks(first, result.output) == set()
    documents = pd.read_csv(first / "documents.csv", keep_default_na=False)
    assert [tuple(row) for row in documents[["document", "case", "kind", "region"]].itertuples(index=False)] == [
        ("Kommune A/intervju 1.docx", "Kommune A", "interview", "Vest"),
        ("Kommune A/plan 1.pdf", "Kommune A", "plan", "Vest"),
        ("Ukjent 1/intervju 1.txt", "Ukjent 1", "interview", ""),
    ]
    segments = pd.read_csv(first / "segments.csv", keep_default_na=False)
    assert segments[segments.document == "Kommune A/plan 1.pdf"].text.tolist() == [
        "Kommune A kommune: plan for forebygging",
        "Kommune As barnevern samarbeider med [navn] skole om tidlig innsats for barna. [navn] kommune og "
        "Kommune A har felles helsestasjon for familiene."]
    assert segments[segments.document == "Ukjent 1/intervju 1.txt"][["speaker", "text"]].values.tolist() == [
        ["Intervjuer", "Hva gjør skolen i Ukjent 1?"],
        ["Informant", "Ukjent 1 skole har et eget team for tidlig innsats for barna."]]
    manifest = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["options"]["pseudonymised"], manifest["options"]["pseudonymised_reason"]) == (True, COLUMN)
    assert manifest["warnings"] == [UNKNOWN_WARNING]
    assert manifest["command"] == "casestudy run (pseudonymised: the arguments are not recorded)"
    lines = result.stderr.splitlines()
    assert f"warning: {UNKNOWN_WARNING}" in lines
    assert lines[-1].startswith("3 documents read, 0 skipped; wrote ")
    assert lines[-1].endswith(f" s; pseudonymised: {COLUMN}")


def test_no_pseudonymise_keeps_the_real_names_runs_again_and_says_why(runs):
    _, _, out, result = runs
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "is up to date" not in result.output  # another run than the pseudonymised one: its key differs
    assert _leaks(out) == {"Fjordvik", "fjordvik_leder", "Kari", "Nordmann", "Solbakken", "Nyby", "nyby_rektor",
                           "Storeng"}
    documents = pd.read_csv(out / "documents.csv", keep_default_na=False)
    assert [tuple(row) for row in documents[["document", "case", "kind"]].itertuples(index=False)] == [
        ("interviews/fjordvik/fjordvik_leder.docx", "Fjordvik", "interview"),
        ("interviews/nyby_rektor.txt", "nyby", "interview"),
        ("plans/fjordvik.pdf", "Fjordvik", "plan"),
    ]
    assert "pseudonym" not in documents.columns
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["options"]["pseudonymised"], manifest["options"]["pseudonymised_reason"]) == (False, TOLD_NOT)
    assert manifest["warnings"] == [REAL_NAMES_WARNING]
    assert REAL_NAMES_WARNING == ("not pseudonymised (--no-pseudonymise): cases.csv gives pseudonyms, but every "
                                  "output holds the real case, file, speaker and listed names; do not share it")
    lines = result.stderr.splitlines()
    assert f"warning: {REAL_NAMES_WARNING}" in lines
    assert lines[-1].endswith(f" s; not pseudonymised: {TOLD_NOT}")


COMMANDS = {
    "ingest": ["ingest", "{root}", "--out", "{out}"],
    "wordcount": ["wordcount", "{root}", "--out", "{out}", "--by", "case"],
    "wordcloud": ["wordcloud", "{root}", "--out", "{out}", "--by", "document", "--size", "400x300"],
    "code": ["code", "{root}", "--codebook", "barnevern", "--by", "case", "--out", "{out}"],
    "requirements": ["requirements", "{root}", "--out", "{out}"],
    "profile": ["profile", "{root}", "--out", "{out}"],
    "kwic": ["kwic", "{root}", "barn*"],
    "kwic-csv": ["kwic", "{root}", "tidlig", "--csv", "{out}/kwic.csv"],
    "export-xlsx": ["export", "{root}", "--format", "xlsx", "--out", "{out}/a.xlsx"],
    "export-docx": ["export", "{root}", "--format", "docx", "--out", "{out}/a.docx"],
    "export-md": ["export", "{root}", "--format", "md", "--out", "{out}/a.md"],
    "export-qdpx": ["export", "{root}", "--format", "qdpx", "--out", "{out}/a.qdpx"],
}


@pytest.fixture(scope="module")
def named_corpus(tmp_path_factory):
    return _named(tmp_path_factory.mktemp("navn") / "korpus")


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_every_command_that_reads_a_corpus_pseudonymises_by_its_pseudonym_column(named_corpus, tmp_path, command):
    out = tmp_path / "ut"
    out.mkdir()
    args = [arg.format(root=named_corpus, out=out) for arg in command] + ["--jobs", "1", "--silent"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert any(out.iterdir()) or "matches" in result.output
    assert _leaks(out, result.output) == set()
    assert f"warning: {UNKNOWN_WARNING}" in result.stderr.splitlines()
    control = CliRunner().invoke(main, args + ["--no-pseudonymise"])  # the same command finds the names
    assert control.exit_code == 0, control.output
    assert "Fjordvik" in _leaks(out, control.output)


def test_names_with_no_pseudonymise_is_a_one_line_error(named_corpus, tmp_path):
    names = tmp_path / "navn.txt"
    names.write_text("Solbakken\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", str(named_corpus), "--out", str(tmp_path / "ut"), "--names",
                                       str(names), "--no-pseudonymise", "--silent"])
    assert result.exit_code == 1
    assert result.output == "Error: --names replaces names that --no-pseudonymise keeps: give one of the two\n"
    assert not (tmp_path / "ut").exists()


def _table(*pseudonyms):
    return CaseTable(rows={f"{n}.txt": {"file": f"{n}.txt", "case": f"By{n}", "pseudonym": p}
                           for n, p in enumerate(pseudonyms)})


@pytest.mark.parametrize("table, pseudonymise, names, expected", [
    (_table("Kommune 1", ""), None, None, (True, COLUMN)),
    (_table("", ""), None, None, (False, "cases.csv gives no pseudonyms and --pseudonymise was not given")),
    (CaseTable(), None, None, (False, "cases.csv gives no pseudonyms and --pseudonymise was not given")),
    (_table("Kommune 1"), False, None, (False, TOLD_NOT)),
    (_table(""), False, None, (False, "--no-pseudonymise")),
    (_table(""), True, None, (True, "--pseudonymise")),
    (_table("Kommune 1"), True, "navn.txt", (True, "--pseudonymise")),
    (CaseTable(), None, "navn.txt", (True, "--names (a names file implies --pseudonymise)")),
], ids=["column", "empty-column", "no-cases-csv", "told-not", "told-not-no-column", "flag", "flag-names", "names"])
def test_whether_a_run_pseudonymises_and_why(table, pseudonymise, names, expected):
    assert decide(table, pseudonymise, names) == expected


def test_a_names_file_and_pseudonymise_false_cannot_go_together():
    with pytest.raises(UsageError, match="^--names replaces names that --no-pseudonymise keeps: give one of the two$"):
        decide(_table("Kommune 1"), False, "navn.txt")
