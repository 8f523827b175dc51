"""The coder that learns from a team's coding: grouped evaluation, a model file without pickle."""

import json

import numpy as np
import pandas as pd
import pytest

from casestudy.analyses.learn import EVALUATION_COLUMNS, load_model, suggest_texts, train_coder
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
