"""Lemma accuracy in context on the SECOND BLIND TEST set: scored once, after the second round of lemma rules
(made after the first test set, validation/lemmas_test/, had been scored once and then used for development).

lemmas_in_context.csv: 100 sentences (50 Bokmål, 50 Nynorsk, plans and speech) written as close paraphrases of
public pages of the field that no other set used (sources.csv; each row's source_id), every noun, verb and
adjective (and the auxiliaries, a few adverbs) given its Bokmålsordboka/Nynorskordboka headword in context,
before any run of casestudy's lemmatizer on them. Scored as validation/lemmas/score.py does.

    python validation/lemmas_test/round2/score.py [--errors]

labels_B.csv: a second annotator's headwords for the same words, given by a labeller that saw only the
sentences and the words (not the code, its output, the first labels or any other set). The truth is where
the two agree (690 of 693 words); the first labels alone are scored too, as recorded before.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent


def main(show_errors: bool = False) -> None:
    from casestudy.text.nlp import tokenize_segments

    gold = pd.read_csv(HERE / "lemmas_in_context.csv", dtype={"lemma": str, "token": str}, keep_default_na=False)
    found = {}
    # the sentences of one written standard as one document, as a corpus holds them (a plan or transcript
    # is Bokmål or Nynorsk): the pipeline picks its language order per document
    for _, part in gold.drop_duplicates("sentence_id").groupby("language"):
        sentences = part[["sentence_id", "sentence"]].reset_index(drop=True)
        table = tokenize_segments(list(sentences["sentence"]))
        for k in range(len(table)):
            sid = sentences["sentence_id"][int(table.segment[k])]
            found[(sid, int(table.start[k]), int(table.end[k]))] = table.strings[table.lemma[k]]
    lemma = []
    for row in gold.itertuples():
        lemma.append(found.get((row.sentence_id, int(row.char_start), int(row.char_start) + len(row.token))))
    gold["tool"] = lemma
    second = pd.read_csv(HERE / "labels_B.csv", dtype={"id": str, "lemma": str}, keep_default_na=False)
    gold["lemma_B"] = gold["id"].astype(str).map(dict(zip(second["id"], second["lemma"])))
    agreed = gold["lemma"].str.lower() == gold["lemma_B"].str.lower()
    print(f"the two annotators agree on {agreed.sum()} of {len(gold)} words ({agreed.mean():.1%})")
    for name, part in (("first annotator alone", gold), ("where both annotators agree", gold[agreed])):
        print(f"\n== {name}")
        _report(part, show_errors)


def _report(gold: pd.DataFrame, show_errors: bool) -> None:
    scored = gold[gold["tool"].notna()].copy()
    scored["ok"] = scored["tool"].str.lower() == scored["lemma"].str.lower()
    print(f"{len(scored)} of {len(gold)} gold tokens aligned to one pipeline token; accuracy {scored['ok'].mean():.1%}")
    print(scored.groupby("language")["ok"].agg(["mean", "size"]).round(3).to_string())
    print(scored.groupby(["language", "pos"])["ok"].agg(["mean", "size"]).round(3).to_string())
    if show_errors:
        print(scored[~scored["ok"]][["language", "token", "lemma", "tool", "pos"]].to_string(index=False))


if __name__ == "__main__":
    main("--errors" in sys.argv)
