"""Lemma accuracy in context: the built-in pipeline (spaCy blank nb + simplemma) against a gold set.

lemmas_in_context.csv: sentences written for this set in the style of real plans and speech of the field
(sources.csv), every content word given its dictionary headword in its own written standard by an
annotator who ran no lemmatizer and never saw the code. The sentences of each written standard are
tokenized as one document (the pipeline chooses Bokmål or Nynorsk first per document). A token is scored
where the pipeline's token covers the gold token's exact characters; accuracy is lower-cased lemma
equality, per language and POS.

    python validation/lemmas/score.py [--errors]
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
