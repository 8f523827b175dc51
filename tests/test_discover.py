import math

import pandas as pd
from click.testing import CliRunner

from casestudy import read_corpus
from casestudy.cli import main
from casestudy.analyses.discover import keyness, log_likelihood, units


def test_log_likelihood_worked_example():
    # a term 10 times in 1,000 words vs 5 times in 2,000 words
    g2, ratio = log_likelihood(10, 5, 1000, 2000)
    e1, e2 = 1000 * 15 / 3000, 2000 * 15 / 3000
    assert math.isclose(g2, 2 * (10 * math.log(10 / e1) + 5 * math.log(5 / e2)))
    assert round(g2, 4) == 6.9315  # 2·(10·ln 2 + 5·ln ½)
    assert math.isclose(ratio, math.log2((10.5 / 1000) / (5.5 / 2000)))


def test_keyness_finds_group_words(tiny_corpus):
    corpus = read_corpus(tiny_corpus, jobs=1)
    table = units(corpus, by="role")
    assert table.groups == ["koordinator", "barnevernleder", "barnevernleder", "barnevernleder", "plan"]
    assert table.texts[3] == "Barnehagen ser barna hver dag."
    assert table.terms[0][:3] == ["tjeneste", "samarbeide", "god"]
    assert "tjeneste samarbeide" in table.terms[0]
    assert keyness(table, min_count=3) == []  # too little text for significance


def test_discover_writes_a_new_codebook_without_touching_the_input(tiny_corpus, tmp_path):
    source = tmp_path / "in.yaml"
    source.write_text("codes:\n  - id: cooperation\n    patterns: [samarbeide]\n", encoding="utf-8")
    before = source.read_bytes()
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["discover", str(tiny_corpus), "--codebook", str(source), "--out", str(out),
                                       "--write", str(tmp_path / "new.yaml"), "--no-cache", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert source.read_bytes() == before
    frame = pd.read_csv(out / "candidate_codes.csv")
    assert list(frame.columns) == ["candidate", "source", "group", "term", "top_terms", "score", "effect", "n_units",
                                   "examples"]
    refused = CliRunner().invoke(main, ["discover", str(tiny_corpus), "--codebook", str(source), "--out", str(out),
                                        "--write", str(source)])
    assert refused.exit_code == 1
    assert "--write must name a new file, not the input codebook" in refused.output
    assert source.read_bytes() == before


def test_add_candidates_as_inductive_codes():
    from casestudy.codebook import Codebook, Code
    from casestudy.analyses.discover import add_candidates

    book = Codebook(name="b", codes=[Code(id="cooperation", patterns=["samarbeid"])])
    candidates = pd.DataFrame([
        ["c001", "keyness", "interview", "hvem skal ta regning", "", 12.0, 2.0, 4, "a.docx tur 3: Hvem skal ta regninga?"],
        ["c002", "topic", "topic_1", "ppt", "ppt, skole, barnehage", 0.2, None, 9, ""],
    ], columns=["candidate", "source", "group", "term", "top_terms", "score", "effect", "n_units", "examples"])
    new = add_candidates(book, candidates, ["c001", "c002"])
    assert new.ids == ["cooperation", "inductive", "ind_hvem_skal_ta_regning", "ind_ppt"]
    assert new["ind_ppt"].patterns == ["ppt", "skole", "barnehage"]
    assert new["ind_hvem_skal_ta_regning"].origin == "inductive"
    assert new["ind_hvem_skal_ta_regning"].examples == ["Hvem skal ta regninga?"]
    assert book.ids == ["cooperation"]  # the input is not changed


def test_discover_write_adds_the_top_candidates_and_the_codebook_validates(tmp_path):
    out, book = tmp_path / "out", tmp_path / "ny.yaml"
    result = CliRunner().invoke(main, ["discover", "corpus", "--codebook", "barnevern", "--write", str(book),
                                       "--max", "7", "--out", str(out), "--no-cache", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "(7 candidates added as inductive codes: review each)" in result.output
    checked = CliRunner().invoke(main, ["codebook", "validate", str(book)])
    assert checked.exit_code == 0, checked.output
    from casestudy.codebook import load_codebook

    inductive = load_codebook(book)["inductive"]
    assert len(inductive.children) == 7
    assert all(child.id.isascii() and child.id.startswith("ind_") for child in inductive.children)


def test_candidate_ids_transliterate_norwegian_letters():
    from casestudy.analyses.discover import add_candidates
    from casestudy.codebook import Codebook

    candidates = pd.DataFrame([{"candidate": "c001", "source": "keyness", "group": "interview", "term": "økonomi støtte",
                                "top_terms": "", "score": 1.0, "effect": 1.0, "n_units": 3, "examples": ""}])
    book = add_candidates(Codebook(name="x"), candidates)
    assert [c.id for c in book["inductive"].children] == ["ind_oekonomi_stoette"]


def test_top_candidates_take_each_source_in_turn():
    from casestudy.analyses.discover import top_candidates

    frame = pd.DataFrame({"candidate": ["c1", "c2", "c3", "c4", "c5"],
                          "source": ["keyness", "keyness", "keyness", "topic", "topic"]})
    assert list(top_candidates(frame, 3)["candidate"]) == ["c1", "c2", "c4"]
