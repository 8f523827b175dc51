"""Pseudonymisation that holds: in a pseudonymised run no output names a case, a file, a speaker, or a
place or person listed in cases.csv or a names file.

Which runs are pseudonymised (see :func:`decide`): those given ``--pseudonymise`` or ``--names``, and those
whose cases.csv gives a pseudonym (a ``pseudonym`` column with a value in some row), unless given
``--no-pseudonymise`` (``pseudonymise=False``): a private working run that keeps every real name, and says
so in a warning and in its manifest.

What is replaced, and by what:

- a case's name (cases.csv ``case``, or the file name up to its first ``_``) by its pseudonym
  (cases.csv ``pseudonym``); a case without one is «Ukjent N» (numbered in file order), with a warning;
- a document's id (its path, which names folders and files) by ``PSEUDONYM/KIND N.ext`` (numbered per
  case and kind in file order);
- a speaker label by «Intervjuer» for interviewer turns and «Informant» (or «Informant N» when a
  transcript has several) for the rest; a label's own words (a person's name) are then replaced in
  that transcript's text;
- every name of the cases.csv column ``names`` (``;``-separated: places, persons, services) and of a
  names file (one name a line, ``name = replacement`` to choose the replacement, ``#`` for comments) by
  «[navn]» or the chosen replacement;

in the text of every segment, in speakers, attributes, skip reasons and warnings. Names are matched
whole, in any letter case, with a genitive (``Fjordviks``, ``Fjordvik's``) and as the first part of a
hyphenated word (``Fjordvik-skolen``); a compound written as one word (``Fjordvikskolen``) is not found
unless the names file lists it. Text is compared after NFC normalisation, so a decomposed «å» matches.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from ..errors import CasestudyError, UsageError
from ..model import Document
from .folder import CaseTable, case_from_name, decode_table, infer_kind, read_cases

UNKNOWN_CASE = "Ukjent {n}"
NAME_MARK = "[navn]"
INTERVIEWER_LABEL = "Intervjuer"
SPEAKER_LABEL = "Informant"
KIND_NAMES = {"plan": "plan", "interview": "intervju"}
SPOKEN = "\0speaker names"  # where a worker hands the speaker names it found to finish()


def fold(text: str) -> str:
    """A name as names are compared: NFC, case folded, spaces squeezed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def read_names(path: str | Path) -> dict[str, str]:
    """A names file: one name a line, ``name = replacement`` to choose what replaces it (default «[navn]»),
    blank lines and lines that begin with ``#`` passed over. UTF-8, else cp1252."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CasestudyError(f"{path}: names file cannot be read ({exc.strerror}); check the path") from None
    text, _ = decode_table(raw, path.name)
    names = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, replacement = line.partition("=")
        if name.strip():
            names[name.strip()] = replacement.strip() or NAME_MARK
    return names


@dataclass
class Pseudonyms:
    """The replacements of one run: document ids, case names and other names, and the scrubber of text;
    ``active`` False for a run that keeps the real names (then only ``reason`` is set, for its options)."""

    ids: dict[str, str] = field(default_factory=dict)  # real document id → pseudonymous id
    cases: dict[str, str] = field(default_factory=dict)  # real document id → pseudonymous case
    names: dict[str, str] = field(default_factory=dict)  # folded name → replacement
    warnings: list[str] = field(default_factory=list)
    active: bool = True
    reason: str = ""  # why the run is, or is not, pseudonymised (see REASONS)
    _matcher: NameMatcher | None = field(default=None, repr=False)

    def __getstate__(self):
        return dict(self.__dict__, _matcher=None)  # each worker builds its own

    def __setstate__(self, state):
        self.__dict__.update(state)

    @property
    def matcher(self) -> NameMatcher | None:
        if self._matcher is None and self.names:
            self._matcher = NameMatcher(self.names)
        return self._matcher

    def scrub(self, text: str | None, extra: NameMatcher | None = None) -> str | None:
        """``text`` with every listed name (and those of ``extra``) replaced."""
        if not text:
            return text
        text = unicodedata.normalize("NFC", text)
        if extra is not None:
            text = extra.sub(text)
        if self.matcher is not None:
            text = self.matcher.sub(text)
        return text

    def document_id(self, doc_id: str) -> str:
        return self.ids.get(doc_id) or self.scrub(doc_id)

    def apply(self, doc: Document) -> Document:
        """The document with its id, case, speakers, attributes and text pseudonymised."""
        real_id = doc.id
        doc.id = self.document_id(real_id)
        doc.case = self.cases.get(real_id) or self.scrub(doc.case)
        doc.attributes = {k: self.scrub(v) if isinstance(v, str) else v for k, v in doc.attributes.items()}
        labels, speakers = _speaker_labels(doc)
        extra = NameMatcher(speakers) if speakers else None
        doc.segments = [replace(s, text=self.scrub(s.text, extra), speaker=labels.get(s.speaker, s.speaker),
                                role=self.scrub(s.role)) for s in doc.segments]
        if speakers:  # for :func:`finish` to replace in the other documents (taken out there, never written)
            doc.attributes[SPOKEN] = sorted(speakers)
        return doc


_WORD = re.compile(r"[^\W_]+")  # a word: letters and digits (an underscore separates words, as in file names)


class NameMatcher:
    """Finds names in text and replaces them: whole words, in any letter case, with a genitive (``Fjordviks``,
    ``Fjordvik's``); a name of several words matches them with any white space between (and the name's own
    punctuation, such as a hyphen). Walks the words of a text once and looks each up in a table by its first
    word: a pattern of hundreds of alternatives took three times as long as tokenizing the text."""

    def __init__(self, names: dict[str, str]):
        """``names``: folded name (see :func:`fold`) → replacement."""
        self.first: dict[str, list] = {}
        for name, replacement in names.items():
            spans = list(_WORD.finditer(name))
            if not spans:
                continue
            words = tuple(m.group() for m in spans)
            joints = tuple(name[a.end():b.start()].strip() for a, b in zip(spans, spans[1:]))
            self.first.setdefault(words[0], []).append((words, joints, replacement))
        for candidates in self.first.values():
            candidates.sort(key=lambda entry: -len(entry[0]))  # the longest name first

    def sub(self, text: str) -> str:
        words = list(_WORD.finditer(text))
        parts, done, i = [], 0, 0
        while i < len(words):
            found = self._match(text, words, i)
            if found is None:
                i += 1
                continue
            n, end, replacement = found
            parts += [text[done:words[i].start()], replacement]
            done, i = end, i + n
        return "".join(parts) + text[done:] if parts else text

    def _match(self, text: str, words: list, i: int):
        """(words taken, end in text, replacement) for the longest name that starts at word ``i``, or None."""
        first = words[i].group().casefold()
        candidates = list(self.first.get(first, ()))
        if first.endswith("s"):  # a one-word name in the genitive («Fjordviks»)
            candidates += [entry for entry in self.first.get(first[:-1], ()) if len(entry[0]) == 1]
        candidates.sort(key=lambda entry: -len(entry[0]))
        for name, joints, replacement in candidates:
            n = len(name)
            if i + n > len(words):
                continue
            found = [words[i + k].group().casefold() for k in range(n)]
            if found[:-1] != list(name[:-1]) or found[-1] not in (name[-1], name[-1] + "s"):
                continue
            if any(text[words[i + k].end():words[i + k + 1].start()].strip() != joints[k] for k in range(n - 1)):
                continue
            end = words[i + n - 1].end()
            if found[-1] != name[-1]:
                return n, end, replacement + "s"
            after = text[end:end + 3]
            if after[:2] in ("'s", "’s") and not after[2:3].isalnum():
                return n + 1, end + 2, replacement + "s"
            return n, end, replacement
        return None


def _speaker_labels(doc: Document) -> tuple[dict[str, str], dict[str, str]]:
    """(speaker label → neutral label, folded name in a label → neutral label) for one transcript."""
    speakers = []
    interviewers = set()
    for s in doc.segments:
        if s.speaker and s.speaker not in speakers:
            speakers.append(s.speaker)
        if s.speaker and s.interviewer:
            interviewers.add(s.speaker)
    others = [name for name in speakers if name not in interviewers]
    labels = {name: INTERVIEWER_LABEL for name in interviewers}
    labels.update({name: SPEAKER_LABEL if len(others) == 1 else f"{SPEAKER_LABEL} {n}"
                   for n, name in enumerate(others, 1)})
    roles = {fold(s.role) for s in doc.segments if s.role} | {fold(str(doc.attributes.get("role", "")))}
    names = {}
    for label, neutral in labels.items():
        words = re.sub(r"\(.*?\)", " ", label).split()
        # a label that is a person's name (every word capitalised, not a role): its words go from the text too
        if not words or not all(w[:1].isupper() for w in words) or any(c.isdigit() for c in label):
            continue
        if fold(" ".join(words)) in roles | {fold(INTERVIEWER_LABEL), fold(SPEAKER_LABEL)} or label in interviewers:
            continue
        names[fold(" ".join(words))] = neutral
        for word in words:  # a first or last name alone («som Kari sa»)
            if len(word) > 2:
                names.setdefault(fold(word), neutral)
    return labels, names


def build(doc_ids: list[str], table: CaseTable, *, names: dict[str, str] | None = None) -> Pseudonyms:
    """The pseudonyms of a corpus: ``doc_ids`` in file order (every file, read or not), cases.csv, and the
    names of a names file (see :func:`read_names`)."""
    result = Pseudonyms()
    unknown: dict[str, str] = {}
    numbers: dict[tuple[str, str], int] = {}
    taken = {fold(row.get("pseudonym", "")) for row in table.rows.values()}
    for doc_id in doc_ids:
        row = table.lookup(doc_id) or {}
        real = row.get("case") or case_from_name(doc_id)
        pseudonym = row.get("pseudonym", "")
        if not pseudonym:
            if fold(real) not in unknown:
                n = len(unknown) + 1
                while fold(UNKNOWN_CASE.format(n=n)) in taken:
                    n += 1
                unknown[fold(real)] = UNKNOWN_CASE.format(n=n)
                taken.add(fold(unknown[fold(real)]))
            pseudonym = unknown[fold(real)]
        result.cases[doc_id] = pseudonym
        kind = row.get("kind") or infer_kind(doc_id)
        label = KIND_NAMES.get(kind, "dokument")
        numbers[pseudonym, label] = number = numbers.get((pseudonym, label), 0) + 1
        result.ids[doc_id] = f"{pseudonym}/{label} {number}{PurePosixPath(doc_id).suffix.lower()}"
        if not row.get("pseudonym"):
            why = "not in cases.csv" if not row else "no pseudonym in cases.csv"
            result.warnings.append(f"{result.ids[doc_id]}: {why}, so its case is called {pseudonym} (add a row "
                                   "with a pseudonym)")
        result.names.setdefault(fold(real), pseudonym)
    for row in table.rows.values():
        if row.get("case"):
            result.names.setdefault(fold(row["case"]), row.get("pseudonym") or NAME_MARK)
        for name in (row.get("names") or "").split(";"):
            if name.strip():
                result.names.setdefault(fold(name), NAME_MARK)
    for name, replacement in (names or {}).items():
        result.names[fold(name)] = replacement
    result.names.pop("", None)
    for pseudonym in set(result.cases.values()):  # a pseudonym is never itself replaced («Kommune 1» stays)
        result.names.pop(fold(pseudonym), None)
    return result


#: Why a run is, or is not, pseudonymised (the manifest's ``pseudonymised_reason``).
REASONS = {
    "flag": "--pseudonymise",
    "names": "--names (a names file implies --pseudonymise)",
    "column": "cases.csv gives pseudonyms (its pseudonym column)",
    "told_not": "--no-pseudonymise: real names kept although cases.csv gives pseudonyms",
    "told_not_unused": "--no-pseudonymise",
    "none": "cases.csv gives no pseudonyms and --pseudonymise was not given",
}
REAL_NAMES_WARNING = ("not pseudonymised (--no-pseudonymise): cases.csv gives pseudonyms, but every output holds the "
                      "real case, file, speaker and listed names; do not share it")


def decide(table: CaseTable, pseudonymise: bool | None = None, names: str | Path | None = None) -> tuple[bool, str]:
    """(whether a run pseudonymises, why): ``pseudonymise`` True or a names file → yes; False → no (a names
    file with it is a UsageError); None → yes exactly when cases.csv gives a pseudonym."""
    if pseudonymise is False:
        if names:
            raise UsageError("--names replaces names that --no-pseudonymise keeps: give one of the two")
        return False, REASONS["told_not" if table.gives_pseudonyms else "told_not_unused"]
    if pseudonymise:
        return True, REASONS["flag"]
    if names:
        return True, REASONS["names"]
    if table.gives_pseudonyms:
        return True, REASONS["column"]
    return False, REASONS["none"]


def pseudonymising(root: str | Path, *, cases: str | Path | None = None, pseudonymise: bool | None = None,
                   names: str | Path | None = None) -> bool:
    """Whether reading the corpus ``root`` (with ``cases``, default ``root/cases.csv``) pseudonymises: what a
    run's key needs to know before the corpus is read (see :func:`decide`)."""
    root = Path(root)
    path = Path(cases) if cases else (root / "cases.csv" if root.is_dir() else None)
    return decide(read_cases(path), pseudonymise, names)[0]


def prepare(doc_ids: list[str], table: CaseTable, *, pseudonymise: bool | None = None,
            names: str | Path | None = None) -> Pseudonyms:
    """The pseudonyms of a run (see :func:`decide`; None: pseudonymise when cases.csv gives pseudonyms), for
    :func:`finish` after the reading; set on ``table`` for the reading workers when the run pseudonymises
    (else ``table.pseudonyms`` is None and the result is inactive)."""
    wanted, why = decide(table, pseudonymise, names)
    result = build(doc_ids, table, names=read_names(names) if names else None) if wanted else Pseudonyms(active=False)
    result.reason = why
    table.pseudonyms = result if wanted else None
    return result


def case_warnings(table: CaseTable, doc_ids: list[str]) -> list[str]:
    """What is odd between cases.csv and the files (rows for files that are not there) and, when cases.csv
    gives pseudonyms that the run was told not to use, that its outputs hold real names. A pseudonymised
    run's warnings name no file (its files without a row are in the warnings of :func:`build`)."""
    listed = {table.listed(doc_id) for doc_id in doc_ids}
    missing = [name for name in table.rows if name not in listed]
    if table.pseudonyms is not None:
        return [f"cases.csv lists {len(missing)} file(s) that are not in the corpus folder"] if missing else []
    found = [f"cases.csv lists {name}, which is not in the corpus folder" for name in missing]
    if table.gives_pseudonyms:
        found.append(REAL_NAMES_WARNING)
    return found


def finish(pseudonyms: Pseudonyms, corpus) -> None:
    """Record in the corpus's options whether it is pseudonymised and why; when it is, pseudonymise what the
    reading left: a speaker's name in the other documents (a transcript names its own speakers only when it
    is read, in its worker), skipped files (with their reasons) and warnings."""
    from ..text.nlp import tokenize_segments

    corpus.options.update(pseudonymised=pseudonyms.active, pseudonymised_reason=pseudonyms.reason)
    if not pseudonyms.active:
        return

    spoken = {}
    for doc in corpus.documents:
        spoken.update((name, NAME_MARK) for name in doc.attributes.pop(SPOKEN, ()))
    matcher = NameMatcher(spoken) if spoken else None
    for doc in corpus.documents if matcher else ():
        texts = [matcher.sub(s.text) for s in doc.segments]
        if texts != [s.text for s in doc.segments]:
            doc.segments = [replace(s, text=text) for s, text in zip(doc.segments, texts)]
            corpus.tokens[doc.id] = tokenize_segments(texts, corpus.options.get("model"))
            for results in corpus.results.values():  # made on the old text: computed again when asked for
                results.pop(doc.id, None)
    known = set(pseudonyms.ids.values())
    corpus.skipped = [type(s)(s.document if s.document in known else pseudonyms.document_id(s.document),
                              pseudonyms.scrub(s.reason)) for s in corpus.skipped]
    corpus.warnings = [pseudonyms.scrub(w) for w in corpus.warnings] + pseudonyms.warnings
    corpus.shared["pseudonyms"] = pseudonyms  # for the manifest's paths (never pickled, never written)
