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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "lemmas"))  # the shared scoring
from lemma_scoring import read_gold, report  # noqa: E402


def main(show_errors: bool = False) -> None:
    gold = read_gold(HERE / "lemmas_in_context.csv")
    second = pd.read_csv(HERE / "labels_B.csv", dtype={"id": str, "lemma": str}, keep_default_na=False)
    gold["lemma_B"] = gold["id"].astype(str).map(dict(zip(second["id"], second["lemma"])))
    agreed = gold["lemma"].str.lower() == gold["lemma_B"].str.lower()
    print(f"the two annotators agree on {agreed.sum()} of {len(gold)} words ({agreed.mean():.1%})")
    for name, part in (("first annotator alone", gold), ("where both annotators agree", gold[agreed])):
        print(f"\n== {name}")
        report(part, show_errors)


if __name__ == "__main__":
    main("--errors" in sys.argv)
