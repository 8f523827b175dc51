"""The learning issue's check: the blind sentences used as a team's own coding (coder A's labels), split by
source document, the classifier against the codebook alone (cross-validation grouped by source).

    python validation/blind_coding/learn.py [MIN_EXAMPLES]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent


def main(min_examples: int = 8) -> None:
    import casestudy as cs
    from casestudy.analyses.learn import train_coder

    sentences = pd.read_csv(HERE / "sentences.csv", dtype=str).fillna("")
    units = pd.DataFrame({"document": sentences["source_id"], "kind": sentences["register"],
                          "text": sentences["text"], "codes": sentences["codes"]})
    model = train_coder(units, cs.find_codebook("barnevern"), min_examples=min_examples)
    table = model.evaluation
    micro = table[table["code"] == "micro"].set_index("method")
    print(f"{len(units)} sentences from {units['document'].nunique()} sources; {len(model.codes)} codes trained")
    print(micro[["support", "precision", "recall", "f1"]].round(3).to_string())
    gain = micro.loc["combined", "f1"] - micro.loc["codebook", "f1"]
    print(f"combined minus codebook, micro-F1: {gain:+.3f} (target ≥ +0.05)")
    print(table[table["code"] != "micro"].pivot(index="code", columns="method", values="f1").round(2).to_string())


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
