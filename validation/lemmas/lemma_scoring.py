"""How every lemma set is scored (validation/lemmas*/score.py): the built-in pipeline's lemma of each gold
token against the gold headword.

The sentences of each written standard are tokenized as one document, as a corpus holds them (a plan or
transcript is Bokmål or Nynorsk): the pipeline picks its language order per document. A token is scored where
the pipeline's token covers the gold token's exact characters; accuracy is lower-cased lemma equality, per
language and POS.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def read_gold(path: str | Path) -> pd.DataFrame:
    """A set's lemmas_in_context.csv, with the pipeline's lemma of each gold token in the column ``tool``
    (missing where no pipeline token covers exactly the gold token's characters)."""
    from casestudy.text.nlp import tokenize_segments

    gold = pd.read_csv(path, dtype={"lemma": str, "token": str}, keep_default_na=False)
    found = {}
    for _, part in gold.drop_duplicates("sentence_id").groupby("language"):
        sentences = part[["sentence_id", "sentence"]].reset_index(drop=True)
        table = tokenize_segments(list(sentences["sentence"]))
        for k in range(len(table)):
            sid = sentences["sentence_id"][int(table.segment[k])]
            found[(sid, int(table.start[k]), int(table.end[k]))] = table.strings[table.lemma[k]]
    gold["tool"] = [found.get((row.sentence_id, int(row.char_start), int(row.char_start) + len(row.token)))
                    for row in gold.itertuples()]
    return gold


def report(gold: pd.DataFrame, show_errors: bool = False) -> None:
    """Print the accuracy overall, per language and per language and POS (and the errors)."""
    scored = gold[gold["tool"].notna()].copy()
    scored["ok"] = scored["tool"].str.lower() == scored["lemma"].str.lower()
    print(f"{len(scored)} of {len(gold)} gold tokens aligned to one pipeline token; accuracy {scored['ok'].mean():.1%}")
    print(scored.groupby("language")["ok"].agg(["mean", "size"]).round(3).to_string())
    print(scored.groupby(["language", "pos"])["ok"].agg(["mean", "size"]).round(3).to_string())
    if show_errors:
        print(scored[~scored["ok"]][["language", "token", "lemma", "tool", "pos"]].to_string(index=False))
