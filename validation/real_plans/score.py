"""Score the § 15-1 plan check on real public plan excerpts against two blind raters' consensus.

The excerpts are third-party text: they live in texts/ (git-ignored), rebuilt by build_texts.py from
the search responses in raw/ (also git-ignored; COLLECTION.md says how they were collected). The two
ratings (rating_A.csv, rating_B.csv: id, requirement, status) were made by raters who saw only the
texts and the law's wording, never the checklist or the code. The truth is where both agree.

    python validation/real_plans/score.py            # prints rater agreement, tool agreement, confusion tables
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent


def consensus() -> pd.DataFrame:
    a = pd.read_csv(HERE / "rating_A.csv", dtype=str)
    b = pd.read_csv(HERE / "rating_B.csv", dtype=str)
    both = a.merge(b, on=["id", "requirement"], suffixes=("_a", "_b"))
    both["agree"] = both["status_a"] == both["status_b"]
    return both


def tool_statuses() -> pd.DataFrame:
    import casestudy as cs

    texts = sorted((HERE / "texts").glob("*.txt"))
    if not texts:
        sys.exit("texts/ is empty: rebuild it with build_texts.py from the search responses in raw/ (COLLECTION.md)")
    with tempfile.TemporaryDirectory() as folder:
        plans = Path(folder) / "plans"
        plans.mkdir()
        for path in texts:  # read as plans (the folder says so), one paragraph per line
            shutil.copy(path, plans / path.name)
        corpus = cs.read_corpus(folder, jobs=1)
        found = cs.assess(corpus, cs.find_codebook("krav_15-1")).requirements
    found["id"] = found["document"].str.removeprefix("plans/").str.removesuffix(".txt")
    return found[["id", "requirement", "status"]].rename(columns={"status": "tool"})


def main() -> None:
    both = consensus()
    print(f"raters agree on {both['agree'].sum()} of {len(both)} cells ({both['agree'].mean():.0%})")
    truth = both[both["agree"]][["id", "requirement", "status_a"]].rename(columns={"status_a": "truth"})
    scored = truth.merge(tool_statuses(), on=["id", "requirement"], how="left")
    scored["tool"] = scored["tool"].fillna("not_assessed")
    hit = scored["tool"] == scored["truth"]
    met = scored[scored["truth"] == "met"]
    print(f"tool agrees with the consensus on {hit.sum()} of {len(scored)} cells ({hit.mean():.0%}); "
          f"finds {(met['tool'] == 'met').sum()} of {len(met)} consensus 'met' cells")
    for requirement, part in scored.groupby("requirement"):
        print(f"\n{requirement} (rows: consensus, columns: tool)")
        print(pd.crosstab(part["truth"], part["tool"]).to_string())


if __name__ == "__main__":
    main()
