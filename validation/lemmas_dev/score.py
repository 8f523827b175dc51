"""Lemma accuracy in context on the DEVELOPMENT set: the set the lemma rules of 2026-12-03 were tuned on.

lemmas_in_context.csv: 150 sentences (75 Bokmål, 75 Nynorsk, plans and speech) written for this set as close
paraphrases of public pages of the field (sources.csv; each row's source_id), every noun, verb and adjective
(and the auxiliaries, a few adverbs) given its Bokmålsordboka/Nynorskordboka headword in context. The labels
were written before any lemmatizer was run on the sentences, by the developer of the rules (no separate
annotator could be started in that session). Scored as validation/lemmas/score.py does: the sentences of
each written standard are tokenized as one document; a token is scored where the pipeline's token covers
the gold token's exact characters; accuracy is lower-cased lemma equality, per language and POS.

    python validation/lemmas_dev/score.py [--errors]
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
