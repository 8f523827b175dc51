"""Recoding in place after a codebook edit: every output as a full run with the new codebook writes it, and the
REFI-QDA project's source texts copied from the previous project only when they are the same text."""

import json
import re
import zipfile

import pytest

from casestudy import read_corpus
from casestudy.codebook import Code, Codebook
from casestudy.output.exchange import qdpx
from casestudy.output.exchange.qdpx import export_qdpx

from conftest import make_pdf

BOOK = ("codes:\n  - id: prevention\n    label: Forebygging\n    patterns: [forebygging]\n"
        "  - id: children\n    label: Barn\n    patterns: [barn]\n"
        "  - id: cooperation\n    label: Samarbeid\n    patterns: [samarbeide]\n")


@pytest.fixture
def two_cases(tiny_corpus):
    """tiny_corpus with a second municipality's plan, so the figures per case have two rows."""
    make_pdf(tiny_corpus / "plans" / "nordby.pdf", [["# 1 Tiltak", "Barnehagen og skolen samarbeider om barna.",
                                                      "", "Forebygging i barnehagen er viktig."]])
    with open(tiny_corpus / "cases.csv", "a", encoding="utf-8") as handle:
        handle.write("plans/nordby.pdf,Nordby,plan,,Nord,2\n")
    return tiny_corpus


def _outputs(folder):
    """Every output a run lists in its manifest, by name: its bytes; for the XLSX and DOCX appendix, which
    carry the time they were made (in the zip and in docProps/core.xml), every member without that time."""
    listed = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    found = {}
    for name in listed:
        if name.endswith((".xlsx", ".docx")):
            with zipfile.ZipFile(folder / name) as archive:
                found[name] = {member: re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\1",
                                              archive.read(member)) for member in archive.namelist()}
        else:
            found[name] = (folder / name).read_bytes()
    return found


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_recode_writes_every_output_byte_for_byte_as_a_full_run(two_cases, tmp_path, jobs):
    from click.testing import CliRunner

    from casestudy.cli import main

    book = tmp_path / "book.yaml"
    book.write_text(BOOK, encoding="utf-8")
    out, full = tmp_path / "out", tmp_path / "full"

    def run(folder):
        result = CliRunner().invoke(main, ["run", str(two_cases), "--out", str(folder), "--codebook", str(book),
                                           "--codebook", "krav_15-1", "--no-clouds", "--jobs", jobs])
        assert result.exit_code == 0, result.output
        return result.output

    run(out)
    before = _outputs(out)
    # a pattern added to one code: its coding, the figures, the appendix and the project all change
    book.write_text(BOOK.replace("patterns: [barn]", "patterns: [barn, barnehage]"), encoding="utf-8")
    assert "only the coding changed" in run(out)
    run(full)
    recoded, expected = _outputs(out), _outputs(full)
    assert sorted(recoded) == sorted(expected)
    assert {"exchange/project.qdpx", "appendix/appendix.docx", "figures/codes_per_case.png",
            "figures/code_cooccurrence.png", "code_matrix_role.csv"} <= set(expected)
    assert [name for name in expected if recoded[name] != expected[name]] == []
    assert before["coded_segments.csv"] != recoded["coded_segments.csv"]  # the edit did change the coding
    assert before["exchange/project.qdpx"] != recoded["exchange/project.qdpx"]


def _project(tmp_path, name, corpus, **options):
    book = Codebook(name="t", codes=[Code(id="prevention", patterns=["forebygging"]), Code(id="children",
                                                                                            patterns=["barn*"])])
    from casestudy import code_corpus

    return export_qdpx(corpus, code_corpus(corpus, book), book, tmp_path / name / "p.qdpx", **options)


def test_sources_of_an_earlier_project_are_copied_as_they_are_compressed_there(tiny_corpus, tmp_path, monkeypatch):
    corpus = read_corpus(tiny_corpus, jobs=1)
    first = _project(tmp_path, "first", corpus)
    copied = []
    original = qdpx._Compressed.compress
    monkeypatch.setattr(qdpx._Compressed, "compress", lambda self, data: copied.append(1) or original(self, data))
    again = _project(tmp_path, "again", corpus, earlier=first)
    assert len(copied) == len(corpus.documents) == 3
    assert again.read_bytes() == first.read_bytes()


def test_an_earlier_project_with_another_text_under_a_source_name_is_not_copied(tiny_corpus, tmp_path, monkeypatch):
    corpus = read_corpus(tiny_corpus, jobs=1)
    first = _project(tmp_path, "first", corpus)
    # the same names, sizes and zip layout, but one source's text has a letter changed: compressed again
    forged = tmp_path / "forged.qdpx"
    with zipfile.ZipFile(first) as source, zipfile.ZipFile(forged, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("Sources/") and b"Forebygging" in data:
                data = data.replace(b"Forebygging", b"Forebyggjng", 1)
            target.writestr(info, data)
    copied = []
    original = qdpx._Compressed.compress
    monkeypatch.setattr(qdpx._Compressed, "compress", lambda self, data: copied.append(1) or original(self, data))
    again = _project(tmp_path, "again", corpus, earlier=forged)
    assert len(copied) == 2  # the two sources that are the same
    assert again.read_bytes() == first.read_bytes()
    # an earlier file that is no zip at all only costs the copying
    (tmp_path / "broken.qdpx").write_bytes(b"PK\x03\x04 not a zip")
    assert _project(tmp_path, "third", corpus, earlier=tmp_path / "broken.qdpx").read_bytes() == first.read_bytes()
