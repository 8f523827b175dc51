"""Aligning a human coding to the tool's units (sentence, paragraph, turn): by offsets, by page or turn,
or by its text; each row that cannot be placed is kept with its reason."""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

import pandas as pd

from ...errors import check_choice
from ...model import flat_name
from ..coding import UNITS, Unit
from ..matching import sentence_bounds
from .human import HUMAN_COLUMNS, INT_COLUMNS, as_coding


UNALIGNED_COLUMNS = HUMAN_COLUMNS + ["reason"]


ALIGNED_COLUMNS = ["line", "coder", "document", "segment", "sentence", "page", "turn", "code", "method", "unit_text"]


_FOLD = {"\u00ad": "", "\ufffe": "", "«": '"', "»": '"', "“": '"', "”": '"', "„": '"',
                       "‘": "'", "’": "'", "–": "-", "—": "-", "‐": "-"}


def _fold(text: str) -> tuple[str, list[int]]:
    """Text for matching (case-folded, quotes and dashes unified, soft hyphens dropped, whitespace runs as
    one space) and, for each of its characters, the offset of the source character it came from."""
    out: list[str] = []
    where: list[int] = []
    space = True
    for i, char in enumerate(text):
        char = _FOLD.get(char, char)
        if not char:
            continue
        if char.isspace():
            if not space:
                out.append(" ")
                where.append(i)
            space = True
            continue
        space = False
        for c in char.casefold():
            out.append(c)
            where.append(i)
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def _fold_quote(text: str) -> str:
    folded = _fold(unicodedata.normalize("NFC", text))[0]
    while True:
        stripped = folded.strip(" \"'…").removeprefix("...").removesuffix("...")
        if stripped == folded:
            return folded
        folded = stripped


class _DocUnits:
    """The units of one document with their locations, and the ways to find the units a passage covers."""

    def __init__(self, doc, tokens, unit: str):
        self.doc = doc
        self.keys: list[tuple[int, int | None]] = []  # (first segment, sentence in it or None)
        self.texts: list[str] = []
        self.by_segment: dict[int, list[tuple[int, int, int]]] = {}  # segment → [(start, end, unit)]
        segments = doc.segments
        if unit == "sentence":
            bounds = sentence_bounds(tokens) if tokens is not None and len(tokens) else {}
            for (seg, sent), (a, b) in sorted(bounds.items()):
                self._add((seg, sent), seg, a, b, segments[seg].text[a:b])
        else:
            turns: dict[int, int] = {}
            for s in segments:
                if unit == "turn" and s.turn is not None and s.turn in turns:
                    u = turns[s.turn]
                    self.by_segment.setdefault(s.index, []).append((0, len(s.text), u))
                    self.texts[u] += "\n" + s.text
                    continue
                u = self._add((s.index, None), s.index, 0, len(s.text), s.text)
                if unit == "turn" and s.turn is not None:
                    turns[s.turn] = u
        first = [segments[k[0]] for k in self.keys]
        self.page = [s.page for s in first]
        self.turn = [s.turn for s in first]
        self.interviewer = [s.interviewer for s in first]
        self.offsets, position = [], 0
        for s in segments:
            self.offsets.append(position)
            position += len(s.text) + 2
        self._folded = None

    def _add(self, key, seg, a, b, text) -> int:
        self.keys.append(key)
        self.texts.append(text)
        self.by_segment.setdefault(seg, []).append((a, b, len(self.keys) - 1))
        return len(self.keys) - 1

    def locate(self, seg: int, a: int, b: int) -> tuple[list[int], str]:
        """Units that share at least one character with [a, b) of segment ``seg``; else a reason."""
        if not 0 <= seg < len(self.doc.segments):
            return [], f"no segment {seg} (the document has {len(self.doc.segments)})"
        length = len(self.doc.segments[seg].text)
        if b > length:
            return [], f"offsets {a}–{b} run past the end of segment {seg} ({length} characters)"
        if b <= a:
            return [], f"empty selection ({a}–{b})"
        found = sorted({u for start, end, u in self.by_segment.get(seg, ()) if start < b and a < end})
        return found, "" if found else f"offsets {a}–{b} of segment {seg} cover no words"

    def locate_document(self, a: int, b: int) -> tuple[list[int], str]:
        """Units that share a character with [a, b) of the document's text (segments joined by a blank line)."""
        length = self.offsets[-1] + len(self.doc.segments[-1].text) if self.doc.segments else 0
        if b > length:
            return [], f"document offsets {a}–{b} run past the end of its text ({length} characters)"
        if b <= a:
            return [], f"empty selection ({a}–{b})"
        found: set[int] = set()
        for seg, start in enumerate(self.offsets):
            end = start + len(self.doc.segments[seg].text)
            if start < b and a < end:
                found.update(self.locate(seg, max(a, start) - start, min(b, end) - start)[0])
        return sorted(found), "" if found else f"document offsets {a}–{b} cover no words"

    def within(self, page, turn, segment) -> tuple[set[int] | None, str]:
        """Units on the given page / in the given turn / segment (None when nothing is given); else a reason."""
        allowed = None
        for name, value, per_unit in (("page", page, self.page), ("turn", turn, self.turn)):
            if value is None:
                continue
            have = sorted({v for v in per_unit if v is not None})
            if value not in have:
                span = f"{name}s {have[0]}–{have[-1]}" if have else f"no {name}s"
                return set(), f"no {name} {value} in the document ({span})"
            chosen = {u for u, v in enumerate(per_unit) if v == value}
            allowed = chosen if allowed is None else allowed & chosen
        if segment is not None:
            if not 0 <= segment < len(self.doc.segments):
                return set(), f"no segment {segment} (the document has {len(self.doc.segments)})"
            chosen = {u for _, _, u in self.by_segment.get(segment, ())}
            allowed = chosen if allowed is None else allowed & chosen
        if allowed is not None and not allowed:
            return allowed, f"no unit has {_place(page, turn, segment)}"
        return allowed, ""

    def find_text(self, text: str, allowed: set[int] | None) -> tuple[list[int], str]:
        """Units covered by the one place where ``text`` occurs (case, whitespace and quotes ignored)."""
        quote = _fold_quote(text)
        if not quote:
            return [], "empty text"
        if self._folded is None:
            self._folded = _fold(self.doc.text)
        folded, where = self._folded
        places: list[tuple[int, ...]] = []
        at = folded.find(quote)
        while at >= 0:
            covered = self.locate_document(where[at], where[at + len(quote) - 1] + 1)[0]
            if covered and (allowed is None or allowed & set(covered)) and tuple(covered) not in places:
                places.append(tuple(covered))
            at = folded.find(quote, at + 1)
        if len(places) == 1:
            return list(places[0]), ""
        short = text if len(text) <= 60 else text[:57] + "…"
        if not places:
            return [], f"text not found in the document: {short!r}"
        return [], (f"text occurs in {len(places)} places in the document: {short!r}; add page, turn or offsets, "
                    "or quote more of it")

    def align(self, row) -> tuple[list[int], str, str]:
        """(units, method, reason) for one human row: offsets first, then text, then page/turn/segment."""
        text = row["text"]
        found, reason, method = None, "", ""
        if not pd.isna(row["doc_start"]):
            found, reason = self.locate_document(int(row["doc_start"]), int(row["doc_end"]))
            method, span = "document offsets", (int(row["doc_start"]), int(row["doc_end"]))
        elif not pd.isna(row["start"]) and not pd.isna(row["segment"]):
            found, reason = self.locate(int(row["segment"]), int(row["start"]), int(row["end"]))
            method = "offsets"
            base = self.offsets[int(row["segment"])] if int(row["segment"]) < len(self.offsets) else 0
            span = (base + int(row["start"]), base + int(row["end"]))
        if found is not None:
            if not text:
                return found, method, reason
            if found and _fold_quote(self.doc.text[span[0]:span[1]]) == _fold_quote(text):
                return found, method, ""
            units, text_reason = self.find_text(text, None)
            if units:
                return units, "text (offsets did not match)", ""
            problem = reason or f"the offsets point at {self.doc.text[span[0]:span[1]][:40]!r}, not at the row's text"
            return [], method, f"{problem}; and {text_reason}"
        page, turn, segment = (None if pd.isna(row[k]) else int(row[k]) for k in ("page", "turn", "segment"))
        allowed, reason = self.within(page, turn, segment)
        if reason:
            return [], "", reason
        if text:
            units, reason = self.find_text(text, allowed)
            if reason and allowed is not None:
                reason += f" (looked in {_place(page, turn, segment)})"
            return units, "text", reason
        if allowed is not None:
            method = "page" if page is not None else "turn" if turn is not None else "segment"
            return sorted(allowed), method, ""
        return [], "", "no text, page, turn, segment or offsets to locate the passage"


def _place(page, turn, segment) -> str:
    return ", ".join(f"{name} {value}" for name, value in (("page", page), ("turn", turn), ("segment", segment))
                     if value is not None)


class Documents:
    """Finds a corpus document by id, by file name or by file name without suffix (as QDA tools name them)."""

    def __init__(self, corpus):
        self.corpus = corpus
        self.by_id = {d.id: d for d in corpus}
        self.by_flat_name = {flat_name(d.id): d.id for d in corpus}
        self.by_name: dict[str, list[str]] = {}
        for doc_id in self.by_id:
            path = PurePosixPath(doc_id)
            for key in {path.name.casefold(), path.stem.casefold()}:
                self.by_name.setdefault(key, []).append(doc_id)
        self.units: dict[tuple[str, str], _DocUnits] = {}

    def resolve(self, name: str) -> tuple[str | None, str]:
        name = unicodedata.normalize("NFC", str(name)).replace("\\", "/").removeprefix("./")
        if name in self.by_id:
            return name, ""
        if name in self.by_flat_name:
            return self.by_flat_name[name], ""
        matches = self.by_name.get(PurePosixPath(name).name.casefold(), [])
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            return None, f"document name {name!r} matches {', '.join(sorted(matches))}: use the path"
        return None, f"document {name!r} is not in the corpus"

    def get(self, doc_id: str, unit: str) -> _DocUnits:
        key = (doc_id, unit)
        if key not in self.units:
            self.units[key] = _DocUnits(self.by_id[doc_id], self.corpus.tokens.get(doc_id), unit)
        return self.units[key]


def align(human, corpus, unit: Unit = "sentence", *, include_interviewer: bool = False,
          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map each row of a human coding to the tool's units; rows that cannot be mapped are returned with a reason.

    A row is located, in this order, by ``doc_start``/``doc_end`` (document offsets), by
    ``segment`` + ``start``/``end`` (segment offsets), by ``text`` (within the page/turn/segment
    when given) or by ``page``/``turn``/``segment`` alone (every unit there). Offsets cover each
    unit they share a character with. When a row has offsets and text that disagree (offsets from
    another program's text), the text decides. Text is matched with case, whitespace, quote marks
    and a leading/trailing '…' ignored: a quote inside a unit gives that unit, a long quote every
    unit it touches; text that occurs in several places is not guessed at. Interviewer turns are
    not units unless ``include_interviewer`` (as in ``code_corpus``). Rows with an empty code
    only mark their document as coded and are in neither frame.

    Returns:
        ``(aligned, unaligned)``: aligned has one row per (human row, unit): ALIGNED_COLUMNS
        (sentence is empty for paragraph and turn units; segment is the unit's first segment);
        unaligned has the human row's columns plus ``reason``.
    """
    check_choice("unit", unit, UNITS)
    return align_units(as_coding(human), Documents(corpus), unit, include_interviewer)[:2]


def has_locator(row: dict) -> bool:
    """Whether a human-coding row says where in its document it is (text, page, turn, segment or offsets)."""
    return bool(row["text"]) or any(not pd.isna(row[k]) for k in ("page", "turn", "segment", "start", "doc_start"))


def align_units(human: pd.DataFrame, documents: Documents, unit: str, include_interviewer: bool):
    """Place each located row of a human coding on the units it covers: (aligned rows, unaligned rows with
    their reason, hits (coder, document, unit, code, line)). A located row with no code is a hit with code
    '': a unit the coder looked at and gave no code (a rejected suggestion, say)."""
    aligned, unaligned, hits = [], [], []
    for row in human.to_dict("records"):
        if not row["code"] and not has_locator(row):
            continue  # a document-only row: the whole document was looked at (see agreement)
        doc_id, reason = documents.resolve(row["document"])
        units, method = [], ""
        if doc_id is not None:
            doc_units = documents.get(doc_id, unit)
            units, method, reason = doc_units.align(row)
            if units and not include_interviewer:
                kept = [u for u in units if not doc_units.interviewer[u]]
                if not kept:
                    reason = "an interviewer turn: not coded by the tool (pass include_interviewer=True to compare it)"
                units = kept
        if not units:
            unaligned.append({**row, "reason": reason})
            continue
        for u in units:
            seg, sent = doc_units.keys[u]
            aligned.append((row["line"], row["coder"], doc_id, seg, sent, doc_units.page[u], doc_units.turn[u],
                            row["code"], method, doc_units.texts[u]))
            hits.append((row["coder"], doc_id, u, row["code"], row["line"]))
    aligned = pd.DataFrame(aligned, columns=ALIGNED_COLUMNS)
    for column in ("segment", "sentence", "page", "turn"):
        aligned[column] = aligned[column].astype("Int64")
    unaligned = pd.DataFrame(unaligned, columns=UNALIGNED_COLUMNS)
    for column in INT_COLUMNS:
        unaligned[column] = unaligned[column].astype("Int64")
    return aligned, unaligned, hits
