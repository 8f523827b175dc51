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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lemmas"))  # the shared scoring
from lemma_scoring import read_gold, report  # noqa: E402


def main(show_errors: bool = False) -> None:
    report(read_gold(HERE / "lemmas_in_context.csv"), show_errors)


if __name__ == "__main__":
    main("--errors" in sys.argv)
