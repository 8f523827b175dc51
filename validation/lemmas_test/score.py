"""Lemma accuracy in context on the first test set: scored once blind (96.0 %), after the first round of lemma
rules of 2026-12-03 was committed; then used for development of the second round (validation/README.md), so its
later scores are not blind. The second blind set is validation/lemmas_test/round2/.

lemmas_in_context.csv: 150 sentences (75 Bokmål, 75 Nynorsk, plans and speech) written as close paraphrases
of public pages of the field that neither the development set nor the older sets used (sources.csv; each
row's source_id), every noun, verb and adjective (and the auxiliaries, a few adverbs) given its
Bokmålsordboka/Nynorskordboka headword in context, before any run of casestudy's lemmatizer on them. Scored
as validation/lemmas/score.py does.

    python validation/lemmas_test/score.py [--errors]
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
    scored = gold[gold["tool"].notna()].copy()
    scored["ok"] = scored["tool"].str.lower() == scored["lemma"].str.lower()
    print(f"{len(scored)} of {len(gold)} gold tokens aligned to one pipeline token; accuracy {scored['ok'].mean():.1%}")
    print(scored.groupby("language")["ok"].agg(["mean", "size"]).round(3).to_string())
    print(scored.groupby(["language", "pos"])["ok"].agg(["mean", "size"]).round(3).to_string())
    if show_errors:
        print(scored[~scored["ok"]][["language", "token", "lemma", "tool", "pos"]].to_string(index=False))


if __name__ == "__main__":
    main("--errors" in sys.argv)
