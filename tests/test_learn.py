"""The coder that learns from a team's coding: grouped evaluation, a model file without pickle."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from casestudy.analyses.learn import EVALUATION_COLUMNS, load_model, suggest_texts, train_coder, units_from_coding
from casestudy.codebook import Code, Codebook
from casestudy.errors import CasestudyError

BOOK = Codebook(name="t", codes=[Code(id="cooperation", patterns=["samarbeid"]), Code(id="money", patterns=["penger"])])
SAY = {"cooperation": ["Vi sitter sammen med skolen hver uke.", "Helsestasjonen og barnehagen møtes fast.",
                       "Vi ringer hverandre når noe skjer.", "PPT og skolen drøfter saker sammen."],
       "money": ["Budsjettet er for stramt til nye stillinger.", "Vi har ikke råd til flere ansatte.",
                 "Kutt i rammene rammer tilbudet.", "Det mangler midler til tiltaket."],
       "": ["Været var fint i dag.", "Kontoret ligger i andre etasje."]}


def _units(copies=4):
    rows = []
    for d in range(copies):
        for code, texts in SAY.items():
            for text in texts:
                rows.append({"document": f"intervju{d}", "kind": "interview", "text": text, "codes": code})
    return pd.DataFrame(rows)


def test_training_evaluates_by_document_and_saves_without_pickle(tmp_path):
    model = train_coder(_units(), BOOK, min_examples=8, folds=4)
    assert model.codes == ["cooperation", "money"]
    assert list(model.evaluation.columns) == EVALUATION_COLUMNS
    micro = model.evaluation[model.evaluation["code"] == "micro"].set_index("method")
    assert micro.loc["codebook", "recall"] == 0  # the patterns never say it the way these informants do
    assert micro.loc["combined", "f1"] > micro.loc["codebook", "f1"] or np.isnan(micro.loc["codebook", "f1"])
    model.save(tmp_path / "model")
    meta = json.loads((tmp_path / "model" / "model.json").read_text(encoding="utf-8"))
    assert meta["schema"] == "casestudy-coder-1" and meta["codebook_sha256"] == BOOK.sha256
    with np.load(tmp_path / "model" / "weights.npz", allow_pickle=False) as arrays:
        assert arrays["coef"].shape == (2, len(meta["vocabulary"]) + len(BOOK.ids) + 2)
    loaded = load_model(tmp_path / "model", BOOK)
    found = suggest_texts(["Vi ringer hverandre og sitter sammen med skolen."], ["interview"], loaded, BOOK,
                          all_codes=True)
    assert "cooperation" in found[0] and "money" not in found[0]


def test_a_model_of_another_codebook_version_is_refused(tmp_path):
    train_coder(_units(), BOOK, min_examples=8, folds=4).save(tmp_path / "model")
    other = Codebook(name="t", codes=[Code(id="cooperation", patterns=["samarbeid", "samarbeide"]),
                                      Code(id="money", patterns=["penger"])])
    with pytest.raises(CasestudyError, match="trained with another version of the codebook"):
        load_model(tmp_path / "model", other)


def test_training_needs_two_documents_and_enough_examples():
    from casestudy.errors import UsageError

    with pytest.raises(UsageError, match="no code has 50 positive and negative units"):
        train_coder(_units(), BOOK, min_examples=50)
    with pytest.raises(UsageError, match="one document"):
        train_coder(_units(1).assign(document="a"), BOOK, min_examples=2)


def test_suggestions_on_a_corpus_are_those_of_the_unit_texts(tiny_corpus):
    """suggest() builds its features from the corpus's token tables; they are the features of each unit's text."""
    from casestudy import read_corpus
    from casestudy.analyses.coding import CODED_COLUMNS, code_texts
    from casestudy.analyses.learn import SOURCE_COLUMNS, suggest

    model = train_coder(_units(), BOOK, min_examples=8, folds=4)
    corpus = read_corpus(tiny_corpus, jobs=1)
    found = suggest(corpus, model, BOOK, all_codes=True, threshold=0.0)
    assert list(found.columns) == CODED_COLUMNS + SOURCE_COLUMNS
    assert set(found["source"]) == {"model"} and (found["hits"] == 0).all() and (found["matched"] == "").all()
    texts = list(dict.fromkeys(found["text"]))
    kinds = [found.loc[found["text"] == t, "kind"].iloc[0] for t in texts]
    expected = suggest_texts(texts, kinds, model, BOOK, all_codes=True, threshold=0.0)
    hits = code_texts(texts, BOOK, kinds=kinds)
    pairs = {(t, c): p for t, codes, found_ in zip(texts, expected, hits) for c, p in codes.items() if c not in found_}
    assert {(t, c): p for t, c, p in zip(found["text"], found["code"], found["probability"])} == pairs
    # six sentences, interviewer turns left out; the patterns find none of the two codes there
    assert texts == ["Tjenestene samarbeider godt om barna.", "Forebygging handler om barna og familiene.",
                     "Barna må få hjelp tidlig.", "Barnehagen ser barna hver dag.", "1 Mål",
                     "Kommunen skal styrke forebyggingen for barna."]
    assert len(found) == len(pairs) == 6 * 2
    # each unit's place: its sentence in its segment
    for row in found.itertuples():
        segment = next(d for d in corpus if d.id == row.document).segments[row.segment]
        assert segment.text[row.start:row.end] == row.text


def test_suggestions_have_rows_of_their_own():
    from casestudy.analyses.coding import CODED_COLUMNS
    from casestudy.analyses.learn import with_suggestions

    coded = pd.DataFrame([["a.pdf", 1, "money"], ["b.pdf", 2, "money"]], columns=["document", "segment", "code"])
    coded = coded.reindex(columns=CODED_COLUMNS).astype({"page": "Int64", "turn": "Int64"})
    model = coded.assign(segment=[1, 0], code="cooperation", source="model", probability=[0.7, 0.55])
    both = with_suggestions(coded, model)
    assert both[["document", "segment", "code", "source"]].values.tolist() == [
        ["a.pdf", 1, "money", "codebook"], ["a.pdf", 1, "cooperation", "model"],
        ["b.pdf", 0, "cooperation", "model"], ["b.pdf", 2, "money", "codebook"]]
    assert both["probability"].isna().tolist() == [True, False, False, True]
    assert list(with_suggestions(coded, model.iloc[:0]).columns) == CODED_COLUMNS + ["source", "probability"]


def test_uncertain_units_come_first():
    from casestudy.analyses.review import uncertain_first

    units = pd.DataFrame({"unit_id": list("abcde"), "probability": [np.nan, 0.9, 0.55, 0.51, 0.7]})
    assert uncertain_first(units, 2)["unit_id"].tolist() == ["d", "c", "a", "b", "e"]
    assert uncertain_first(units, 50)["unit_id"].tolist() == ["d", "c", "e", "b", "a"]
    assert uncertain_first(units, 0)["unit_id"].tolist() == list("abcde")


def test_review_rows_show_a_models_suggestions_with_their_probability():
    from casestudy.analyses.review import REVIEW_COLUMNS, review_units

    row = {"document": "a.docx", "case": "A", "kind": "interview", "segment": 3, "page": None, "turn": 2,
           "speaker": "Informant", "role": "leder", "unit": "sentence", "text": "Vi møtes hver uke.", "matched": ""}
    coded = pd.DataFrame([
        dict(row, code="plan", label="Plan", matched="uke", source="codebook", probability=np.nan),
        dict(row, code="cooperation", label="Samarbeid", source="model", probability=0.6123),
        dict(row, code="money", label="Penger", source="model", probability=0.93)])
    units = review_units(coded)
    assert list(units.columns) == REVIEW_COLUMNS
    assert units[["codes", "model_codes", "probability"]].values.tolist() == [
        ["plan;cooperation;money", "cooperation 0.61; money 0.93", 0.6123]]


# --- the loop on the demo corpus through the command line: train on half the interviews, suggest on the rest ---

DEMO = Path(__file__).parents[1] / "corpus"
#: The simulated human coder codes what the codebook codes, and codes cooperation too where an informant speaks
#: of meeting and working together in words the codebook's patterns do not have.
TOGETHER = r"\b(?:møter|møtes|møte|team|teamet|hverandre|felles|sammen)\b"


def _simulated_coding(corpus, book, coded, documents) -> pd.DataFrame:
    """The simulated human's coding of ``documents``: one row per (unit, code), by the unit's text."""
    every = units_from_coding(pd.DataFrame({"document": documents, "code": "", "text": ""}), corpus, book)
    found: dict[tuple[str, str], set[str]] = {}
    for document, text, code in coded[["document", "text", "code"]].values:
        found.setdefault((document, text), set()).add(code)
    codes = [found.get((d, t), set()) for d, t in zip(every["document"], every["text"])]
    together = every["text"].str.contains(TOGETHER, case=False)
    codes = [cs | {"cooperation"} if more else cs for cs, more in zip(codes, together)]
    return pd.DataFrame([(d, c, t) for d, t, cs in zip(every["document"], every["text"], codes) for c in sorted(cs)],
                        columns=["document", "code", "text"])


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from casestudy import code_corpus, find_codebook, read_corpus

    corpus = read_corpus(DEMO, jobs=1, cache=None)
    book = find_codebook("barnevern")
    coded = code_corpus(corpus, book)
    interviews = sorted(d.id for d in corpus.subset("interview"))
    train, held_out = interviews[0::2], interviews[1::2]
    folder = tmp_path_factory.mktemp("demo")
    _simulated_coding(corpus, book, coded, train).to_csv(folder / "human.csv", index=False)
    return {"corpus": corpus, "book": book, "coded": coded, "train": train, "held_out": held_out, "folder": folder}


def _cli(*args):
    from click.testing import CliRunner

    from casestudy.cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


def test_train_then_suggest_on_the_held_out_interviews(demo):
    from casestudy.analyses.coding import CODED_COLUMNS

    folder, corpus = demo["folder"], demo["corpus"]
    trained = _cli("train", folder / "human.csv", DEMO, "--codebook", "barnevern", "--out", folder / "model",
                   "--min-examples", 10, "--no-cache", "--jobs", 1, "--silent")
    assert trained.exit_code == 0, trained.output
    evaluation = pd.read_csv(folder / "model" / "evaluation.csv")
    assert list(evaluation.columns) == EVALUATION_COLUMNS
    assert "suggested: cooperation (" in trained.output
    assert "cooperation " in trained.output and "micro " in trained.output

    plain, suggested = folder / "plain", folder / "suggested"
    for out, extra in ((plain, []), (suggested, ["--suggest", folder / "model"])):
        result = _cli("run", DEMO, "--out", out, "--no-clouds", "--no-cache", "--jobs", 1, "--silent", *extra)
        assert result.exit_code == 0, result.output
    # without --suggest nothing changes; with it, the other tables are the same and the coded segments gain rows
    for path in sorted(plain.rglob("*.csv")):
        if path.name != "coded_segments.csv":
            assert path.read_bytes() == (suggested / path.relative_to(plain)).read_bytes(), path.name
    before = pd.read_csv(plain / "coded_segments.csv", dtype=str, keep_default_na=False)
    after = pd.read_csv(suggested / "coded_segments.csv", dtype=str, keep_default_na=False)
    assert list(before.columns) == CODED_COLUMNS
    assert list(after.columns) == CODED_COLUMNS + ["source", "probability"]
    dictionary = after[after["source"] == "codebook"]
    assert (dictionary["probability"] == "").all()
    assert dictionary.drop(columns=["source", "probability"]).reset_index(drop=True).equals(before)
    model = after[after["source"] == "model"]
    assert set(model["code"]) == {"cooperation"} and (model["hits"] == "0").all() and (model["matched"] == "").all()
    assert (model["probability"].astype(float) >= 0.5).all()
    assert not model.merge(dictionary, on=["document", "text", "code"]).shape[0]  # never a code the codebook found

    # on the interviews it never saw, the suggestions find cooperation where the simulated human codes it
    truth = _simulated_coding(corpus, demo["book"], demo["coded"], demo["held_out"])
    truth = set(map(tuple, truth[truth["code"] == "cooperation"][["document", "text"]].values.tolist()))
    found = {(d, t) for d, t in model[model["document"].isin(demo["held_out"])][["document", "text"]].values}
    codebook = {(d, t) for d, t in dictionary[dictionary["document"].isin(demo["held_out"])
                                              & (dictionary["code"] == "cooperation")][["document", "text"]].values}
    assert (len(truth), len(codebook), len(found), len(found & truth)) == (64, 40, 8, 3)
    assert len((codebook | found) & truth) > len(codebook & truth)

    # the review sheet shows them with their probability, the most uncertain first
    exported = _cli("review", "export", suggested, "--uncertain", 5)
    assert exported.exit_code == 0, exported.output
    from casestudy.output.review_sheet import read_review_sheet

    sheet = read_review_sheet(suggested / "review" / "review.xlsx")
    distance = (sheet["probability"].replace("", "nan").astype(float) - 0.5).abs()
    assert distance.iloc[:5].is_monotonic_increasing and distance.iloc[:5].max() <= distance.iloc[5:].min()
    assert sheet["model_codes"].iloc[0].startswith("cooperation 0.5")
    assert (sheet["model_codes"] != "").sum() == len(model.drop_duplicates(["document", "segment", "text"]))

    # a run of the same corpus, now with --suggest, recodes in place to the same coded segments as a full run
    again = _cli("run", DEMO, "--out", plain, "--no-clouds", "--no-cache", "--jobs", 1, "--silent", "--suggest",
                 folder / "model")
    assert again.exit_code == 0 and "only the coding changed" in again.output, again.output
    assert (plain / "coded_segments.csv").read_bytes() == (suggested / "coded_segments.csv").read_bytes()


def test_run_refuses_a_model_of_another_codebook_version(demo, tmp_path):
    from casestudy.codebook import resolve_codebook

    folder = demo["folder"]
    if not (folder / "model" / "model.json").exists():
        assert _cli("train", folder / "human.csv", DEMO, "--out", folder / "model", "--no-cache", "--jobs", 1,
                    "--silent").exit_code == 0
    edited = tmp_path / "barnevern.yaml"
    edited.write_text(resolve_codebook("barnevern").read_text(encoding="utf-8").replace(
        '      - "forebygging"\n', '      - "forebygging"\n      - "forebyggingsinnsats"\n', 1), encoding="utf-8")
    result = _cli("run", DEMO, "--codebook", edited, "--suggest", folder / "model", "--out", tmp_path / "out",
                  "--no-cache")
    assert result.exit_code == 1
    assert result.output == (f"Error: {folder / 'model'}: the model was trained with another version of the "
                             f"codebook {edited}; train it again with this one\n")
    assert not (tmp_path / "out").exists()


def test_a_filled_review_sheet_trains_on_the_units_reviewed(demo, tmp_path):
    from openpyxl import load_workbook

    from casestudy.output.review_sheet import SHEET

    out = tmp_path / "run"
    assert _cli("run", DEMO, "--out", out, "--no-clouds", "--no-figures", "--no-cache", "--silent").exit_code == 0
    assert _cli("review", "export", out).exit_code == 0
    path = out / "review" / "review.xlsx"
    book = load_workbook(path)
    sheet = book[SHEET]
    header = [c.value for c in sheet[1]]
    document, text, decision, codes, reviewed = (header.index(n) for n in ("document", "text", "decision", "codes",
                                                                           "codes_reviewed"))
    decided = 0
    for row in sheet.iter_rows(min_row=2):  # the reviewer never codes plan, and codes cooperation as simulated
        if row[document].value in demo["train"]:
            given = str(row[codes].value).split(";")
            kept = [c for c in given if c != "plan"]
            if re.search(TOGETHER, str(row[text].value), re.IGNORECASE) and "cooperation" not in kept:
                kept.append("cooperation")
            row[decision].value = "accept" if kept == given else "reject" if not kept else "other code"
            row[reviewed].value = ";".join(kept) if row[decision].value == "other code" else None
            decided += 1
    book.save(path)
    units = units_from_coding(path, demo["corpus"], demo["book"])
    assert len(units) == decided  # scope 'reviewed': the units with a decision, no others
    assert not units["codes"].str.contains("plan").any()
    result = _cli("train", path, DEMO, "--out", tmp_path / "model", "--min-examples", 5, "--no-cache", "--silent")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "model" / "evaluation.csv").exists()
    # a review sheet holds the units a coder (codebook or model) coded; a coding of whole documents beside it
    # teaches what the patterns miss: both at once, the sheet's decision winning where they share a unit
    both = units_from_coding(demo["folder"] / "human.csv", demo["corpus"], demo["book"])
    assert len(both) > len(units) and set(both["document"]) == set(demo["train"])
    result = _cli("train", demo["folder"] / "human.csv", path, DEMO, "--out", tmp_path / "model2", "--no-cache",
                  "--silent")
    assert result.exit_code == 0, result.output
    assert "suggested: cooperation (" in result.output
