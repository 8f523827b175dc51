"""The pipeline: writers declared per output, the manifest's notes from any writer, run planning."""

import json

import pytest

from casestudy import pipeline, read_corpus
from casestudy.pipeline import WRITERS, plan_run

BOOK = "codes:\n  - id: prevention\n    patterns: [forebygging]\n  - id: cooperation\n    patterns: [samarbeide]\n"
HUMAN = ("document,text,code\n"
         "interviews/testby_leder.docx,Forebygging handler om barna og familiene.,prevention\n"
         "interviews/testby_koord.txt,Tjenestene samarbeider godt om barna.,cooperation\n")


@pytest.fixture
def book_and_human(tmp_path):
    book, human = tmp_path / "book.yaml", tmp_path / "human.csv"
    book.write_text(BOOK, encoding="utf-8")
    human.write_text(HUMAN, encoding="utf-8")
    return book, human


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("order", ["declared", "reversed"])
def test_agreement_summary_reaches_the_manifest_whichever_writer_runs_where(tiny_corpus, tmp_path, monkeypatch,
                                                                            book_and_human, jobs, order):
    book, human = book_and_human
    if order == "reversed":  # the writer that computes the agreement now runs in the forked child
        monkeypatch.setattr(pipeline, "WRITERS", tuple(reversed(WRITERS)))
    corpus = read_corpus(tiny_corpus, jobs=1)
    out = tmp_path / f"out-{order}-{jobs}"
    data = pipeline.run(corpus, out, codebooks=[book], reference=human, clouds=False, jobs=jobs)
    saved = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert saved["agreement"] == data["agreement"]
    assert "κ" in saved["agreement"] and "2 units" in saved["agreement"]
    assert {"agreement.csv", "coded_segments.csv", "documents.csv", "exchange/project.qdpx"} <= set(saved["outputs"])


def test_each_frame_is_written_by_exactly_one_writer(tiny_corpus, tmp_path, book_and_human):
    book, _ = book_and_human
    corpus = read_corpus(tiny_corpus, jobs=1)
    data = pipeline.run(corpus, tmp_path / "out", codebooks=[book, "codebooks/krav_15-1.yaml"], clouds=False, jobs=1)
    assert len(data["outputs"]) == len(set(data["outputs"]))
    assert "coded_segments.csv" in data["outputs"] and "requirements_evidence.csv" in data["outputs"]
    declared = {writer.name: writer.frames for writer in WRITERS}
    assert set(declared) == {"rest", "largest"}


def test_plan_run_tells_a_notebook_whether_an_output_folder_is_current(tiny_corpus, tmp_path, book_and_human):
    book, _ = book_and_human
    out = tmp_path / "out"
    plan = plan_run(tiny_corpus, codebooks=[book], clouds=False)
    assert not plan.up_to_date(out)
    pipeline.run(read_corpus(tiny_corpus, jobs=1), out, codebooks=plan.codebook_paths, clouds=False, key=plan.key,
                 jobs=1)
    assert plan.up_to_date(out)
    assert not plan_run(tiny_corpus, codebooks=[book], clouds=False, unit="turn").up_to_date(out)
    (tiny_corpus / "interviews" / "ny.txt").write_text("Informant: Forebygging er viktig.\n", encoding="utf-8")
    assert not plan_run(tiny_corpus, codebooks=[book], clouds=False).up_to_date(out)


def test_plan_run_refuses_a_bad_codebook_before_anything_is_read(tiny_corpus, tmp_path):
    from casestudy.errors import CodebookError

    bad = tmp_path / "bad.yaml"
    bad.write_text("codes:\n  - id: a\n    patterns: ['*']\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="bad.yaml, line 2, code 'a'"):
        plan_run(tiny_corpus, codebooks=[bad])


def test_code_rates_and_cooccurrence_have_exact_values(tiny_corpus):
    from casestudy import code_corpus
    from casestudy.analyses.coding import code_cooccurrence, code_rates, words_per_group
    from casestudy.codebook import Code, Codebook

    book = Codebook(name="t", codes=[Code(id="prevention", patterns=["forebygging"]),
                                     Code(id="children", patterns=["barn*"])])
    corpus = read_corpus(tiny_corpus, jobs=1)
    coded = code_corpus(corpus, book)
    # words without the interviewer: plan 7, leader 6 + 5 + 5, coordinator 5
    assert words_per_group(corpus, "role").to_dict() == {"barnevernleder": 16, "koordinator": 5, "plan": 7}
    rates = code_rates(coded, book, corpus, by="role")
    assert rates.to_dict("index") == {"barnevernleder": {"prevention": 62.5, "children": 187.5},
                                      "koordinator": {"prevention": 0.0, "children": 200.0},
                                      "plan": {"prevention": 142.86, "children": 142.86}}
    both = code_cooccurrence(coded, book)
    assert both.values.tolist() == [[2, 2], [2, 5]] and list(both.index) == ["prevention", "children"]


def test_a_run_writes_the_figures_and_embeds_them_in_the_appendix(tiny_corpus, tmp_path, book_and_human):
    import docx

    book, _ = book_and_human
    out = tmp_path / "out"
    data = pipeline.run(read_corpus(tiny_corpus, jobs=1), out, codebooks=[book, "codebooks/krav_15-1.yaml"],
                        clouds=False, jobs=1)
    figures = sorted(p for p in data["outputs"] if p.startswith("figures/"))
    assert figures == ["figures/code_cooccurrence.png", "figures/codes_per_case.png", "figures/codes_per_role.png",
                       "figures/requirements_grid.png"]
    document = docx.Document(str(out / "appendix" / "appendix.docx"))
    captions = [p.text for p in document.paragraphs if p.text.startswith("Figur")]
    assert captions == ["Figur 1: Kodede enheter per 1 000 ord per kommune",
                        "Figur 2: Kodede enheter per 1 000 ord per informantrolle",
                        "Figur 3: Samforekomst av koder (enheter med begge kodene)",
                        "Figur 4: Innholdskravene i barnevernloven § 15-1 per plan"]
    assert len(document.inline_shapes) == 4


def test_a_codebook_edit_recodes_in_place_and_equals_a_full_run(tiny_corpus, tmp_path):
    from click.testing import CliRunner

    from casestudy.cli import main

    book = tmp_path / "book.yaml"
    book.write_text(BOOK, encoding="utf-8")
    out, full = tmp_path / "out", tmp_path / "full"

    def run(folder, *extra):
        args = ["run", str(tiny_corpus), "--out", str(folder), "--codebook", str(book), "--codebook", "krav_15-1",
                "--no-clouds", "--jobs", "1", *extra]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        return result.output

    run(out)
    kept = {name: (out / name).stat().st_mtime_ns for name in ("documents.csv", "word_counts.csv", "requirements.csv",
                                                               "plan_profiles.csv")}
    book.write_text(BOOK.replace("patterns: [samarbeide]", "patterns: [samarbeide, barnehage]"), encoding="utf-8")
    said = run(out)
    assert "only the coding changed: recoded into" in said
    assert {name: (out / name).stat().st_mtime_ns for name in kept} == kept  # not rewritten
    run(full)
    for name in sorted(p.name for p in full.glob("*.csv")):
        assert (out / name).read_bytes() == (full / name).read_bytes(), name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["recoded"] is True and manifest["outputs"] == json.loads(
        (full / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    assert "up to date" in run(out)  # and the recoded folder counts as current


def test_a_changed_reading_option_is_a_full_run_not_a_recode(tiny_corpus, tmp_path, book_and_human):
    book, _ = book_and_human
    plan = plan_run(tiny_corpus, codebooks=[book], clouds=False)
    out = tmp_path / "out"
    pipeline.run(read_corpus(tiny_corpus, jobs=1), out, codebooks=plan.codebook_paths, clouds=False, key=plan.key,
                 base_key=plan.base_key, jobs=1)
    assert plan_run(tiny_corpus, codebooks=[book], clouds=False, unit="turn").only_coding_changed(out)
    assert not plan_run(tiny_corpus, codebooks=[book], clouds=False, by="kind").only_coding_changed(out)
    assert not plan_run(tiny_corpus, codebooks=[book], clouds=False, interviewer=["Informant"]).only_coding_changed(out)
