"""Score the shipped codebook on the blind evaluation sentences (issue: codes that hold on real text).

sentences.csv: sentences paraphrased from real public texts of the field (sources.csv) by a writer who
never saw the codebook's patterns or the code, labelled by that writer (column `codes`) from the code
definitions only; labels_B.csv: a second coder's independent labels from the same definitions. Both
sides are compared with every code's ancestors added (as in tests/test_coding_eval.py). The truth is
where the two coders agree: a (sentence, code) cell where they disagree is left out. Scored once per
codebook version; never tuned on.

    python validation/blind_coding/score.py [CODEBOOK]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent


def main(codebook: str = "barnevern") -> None:
    import casestudy as cs
    from casestudy.analyses.agreement import cohen_kappa
    from casestudy.analyses.coding import expand_ancestors

    book = cs.find_codebook(codebook)
    a = pd.read_csv(HERE / "sentences.csv", dtype=str).fillna("")
    b = pd.read_csv(HERE / "labels_B.csv", dtype=str).fillna("").set_index("id")["codes"]
    codes = book.ids

    def labels(cell: str) -> set[str]:
        return expand_ancestors({c for c in cell.split(";") if c}, book) & set(codes)

    first, second = [labels(c) for c in a["codes"]], [labels(b[i]) for i in a["id"]]
    # each sentence coded as a sentence of its kind of document (interview speech or plan text)
    found = cs.code_texts(list(a["text"]), book, kinds=list(a["register"]))
    tool = [expand_ancestors(codes_found, book) & set(codes) for codes_found in found]
    rows, tp_all, fp_all, fn_all = [], 0, 0, 0
    agreed_cells = total_cells = 0
    for code in codes:
        x = [code in s for s in first]
        y = [code in s for s in second]
        keep = [i for i in range(len(x)) if x[i] == y[i]]
        agreed_cells += len(keep)
        total_cells += len(x)
        truth = [x[i] for i in keep]
        pred = [code in tool[i] for i in keep]
        tp = sum(t and p for t, p in zip(truth, pred))
        fp = sum(p and not t for t, p in zip(truth, pred))
        fn = sum(t and not p for t, p in zip(truth, pred))
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        support = sum(truth)
        rows.append({"code": code, "support": support, "predicted": tp + fp, "tp": tp,
                     "precision": tp / (tp + fp) if tp + fp else None, "recall": tp / support if support else None,
                     "kappa": cohen_kappa(truth, pred) if support else None,
                     "coders_kappa": cohen_kappa(x, y) if any(x) or any(y) else None})
    table = pd.DataFrame(rows)
    table["f1"] = 2 * table["tp"] / (table["support"] + table["predicted"]).where(lambda s: s > 0)
    precision, recall = tp_all / (tp_all + fp_all), tp_all / (tp_all + fn_all)
    micro = 2 * precision * recall / (precision + recall)
    frequent = table[table["support"] >= 5]
    print(f"{len(a)} sentences; coders agree on {agreed_cells} of {total_cells} (sentence, code) cells "
          f"({agreed_cells / total_cells:.1%}); mean coder κ {table['coders_kappa'].mean():.2f}")
    print(f"codebook {book.path}: micro precision {precision:.2f}, recall {recall:.2f}, F1 {micro:.2f}; "
          f"mean κ {frequent['kappa'].mean():.2f} over {len(frequent)} codes with ≥ 5 examples")
    print(table.round(2).to_string(index=False))


if __name__ == "__main__":
    main(*sys.argv[1:])
