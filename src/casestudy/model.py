"""The data every stage shares: Document and Segment (what a reader makes), Corpus (a read folder with
its tokens), Skipped (a file left out, with why), and DocumentTask (an analysis of one document)."""

from __future__ import annotations

import operator
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .text.nlp import TokenTable


@dataclass(frozen=True, slots=True)
class Segment:
    """One located piece of text: a PDF paragraph (with page) or a transcript paragraph (with turn)."""

    index: int
    text: str
    page: int | None = None
    turn: int | None = None
    speaker: str | None = None
    role: str | None = None
    interviewer: bool = False
    heading: bool = False
    heading_level: int = 0

    def __reduce__(self):
        # pickled as Segment(*values), quicker than the dataclass's own state functions: the reading
        # workers send every segment of a corpus back
        return Segment, segment_values(self)


#: A segment's fields in order, as ``Segment(*values)`` takes them (dataclasses.astuple deep-copies).
segment_values = operator.attrgetter(*(f.name for f in fields(Segment)))


@dataclass(slots=True)
class Document:
    """One source file with its case, kind, attributes and ordered segments."""

    id: str
    path: Path
    kind: str
    case: str
    segments: list[Segment] = field(default_factory=list)
    attributes: dict = field(default_factory=dict)
    pages: int | None = None
    sha256: str = ""
    format: str = ""
    encoding: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.segments)

    def attribute(self, name: str):
        """The value of a grouping attribute: a field (case, kind, document) or a cases.csv column."""
        if name in ("case", "kind"):
            return getattr(self, name)
        if name == "document":
            return self.id
        return self.attributes.get(name)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file that a corpus run could not use, with a one-line reason."""

    document: str
    reason: str


DOCUMENT_COLUMNS = ["document", "case", "kind", "format", "pages", "segments", "tokens", "status", "reason", "sha256"]


SEGMENT_COLUMNS = [
    "document", "case", "kind", "segment", "page", "turn", "speaker", "role", "interviewer", "heading", "text",
]


class DocumentTask:
    """An analysis of one document that the reading workers run as soon as they have read it.

    A task declares its settings (``settings``: everything its result depends on, such as the
    codebook, the unit, the spaCy model); its ``key``, under which results are kept, is derived
    from them, so a setting can never be left out of it. ``kind`` limits it to plans or interviews
    (None: every document); calling the task with ``(doc, tokens)`` returns its result for that
    document (never None: None means "not computed"). Corpus-wide functions (coding, the plan
    check, plan profiles) go through :func:`per_document`, which takes the workers' result when the
    corpus was read with the task and computes it otherwise: either way the result is the same,
    but the first spreads the work over every core while the documents are still in the workers'
    memory.
    """

    #: The analysis's name in the ANALYSES table (the first part of the key).
    name: str = ""
    #: The attributes that are its settings, in order.
    settings: tuple[str, ...] = ()
    kind: str | None = None
    _compiled = None

    @property
    def key(self) -> str:
        """The analysis's name and the stamp of every declared setting (see :func:`setting_stamp`)."""
        return "|".join([self.name] + [f"{name}={setting_stamp(getattr(self, name))}" for name in self.settings])

    def compile(self, shared: dict):
        """What calls need that is costly to build (a Matcher, say): built once per process, never pickled.
        ``shared`` is the run's state that tasks of one run share (see :meth:`Corpus.shared`)."""
        return None

    def prepare(self, shared: dict) -> None:
        """Compile with the run's shared state, unless compiled already."""
        if self._compiled is None:
            self._compiled = self.compile(shared)

    @property
    def compiled(self):
        if self._compiled is None:
            self._compiled = self.compile({})
        return self._compiled

    def __getstate__(self):
        return dict(self.__dict__, _compiled=None)  # each worker compiles its own

    def __call__(self, doc: Document, tokens: TokenTable):
        raise NotImplementedError


def setting_stamp(value) -> str:
    """A setting as it enters a task's key: an object with a ``sha256`` (a codebook) by that hash, a
    list or set by its items, anything else by its repr."""
    digest = getattr(value, "sha256", None)
    if isinstance(digest, str):
        return digest
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(map(setting_stamp, value)) if isinstance(value, (set, frozenset)) else map(setting_stamp, value)
        return "[" + ",".join(items) + "]"
    return repr(value)


@dataclass
class Corpus:
    """The documents of a corpus folder with their tokens, plus the files that were skipped."""

    root: Path
    documents: list[Document] = field(default_factory=list)
    tokens: dict[str, TokenTable] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    options: dict = field(default_factory=dict)
    #: Results of the DocumentTasks run while reading: task key → document id → result.
    results: dict[str, dict[str, object]] = field(default_factory=dict, repr=False)
    #: Names of the cases (from cases.csv and the file names, real names and pseudonyms, lower-cased): not
    #: words to count in word counts and clouds.
    case_names: set = field(default_factory=set, repr=False)
    #: What the analyses of this corpus share and keep between calls (the matchers' lexicon): it
    #: belongs to the corpus, not to the process, and is never pickled.
    shared: dict = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.documents)

    def __iter__(self):
        return iter(self.documents)

    def __getitem__(self, doc_id: str) -> Document:
        for doc in self.documents:
            if doc.id == doc_id:
                return doc
        raise KeyError(doc_id)

    def __repr__(self) -> str:
        kinds = Counter(doc.kind for doc in self.documents)
        what = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "no documents"
        tokens = sum(len(t) for t in self.tokens.values())
        return f"Corpus({str(self.root)!r}: {what}, {tokens:,} tokens, {len(self.skipped)} skipped)"

    def attribute_names(self) -> list[str]:
        """The grouping attributes this corpus has: case, kind, document, role, speaker and every cases.csv column."""
        found = {"case", "kind", "document", "role", "speaker"}
        for doc in self.documents:
            found.update(doc.attributes)
        return sorted(found)

    def check_attribute(self, by: str | None, argument: str = "by") -> None:
        """Raise UsageError naming the attributes there are when ``by`` is not one of them (None: no grouping)."""
        if by is not None and by not in self.attribute_names():
            from .errors import UsageError

            raise UsageError(f"{argument} {by!r} is not an attribute of this corpus; use one of: "
                             f"{', '.join(self.attribute_names())} (or add a '{by}' column to cases.csv)")

    def subset(self, kind: str | None = None) -> list[Document]:
        return [d for d in self.documents if kind is None or d.kind == kind]

    def tokenized(self, kind: str | None = None):
        """(document, tokens) for every document of ``kind`` (all kinds when None) that has tokens."""
        for doc in self.subset(kind):
            tokens = self.tokens.get(doc.id)
            if tokens is not None:
                yield doc, tokens

    def documents_frame(self) -> pd.DataFrame:
        """One row per file, read or skipped: document, case, kind, format, pages, segments, tokens, status, reason."""
        rows = []
        for doc in self.documents:
            rows.append({
                "document": doc.id, "case": doc.case, "kind": doc.kind, "format": doc.format, "pages": doc.pages,
                "segments": len(doc.segments), "tokens": len(self.tokens.get(doc.id, ())), "status": "ok",
                "reason": "", "sha256": doc.sha256, **doc.attributes,
            })
        for skip in self.skipped:
            rows.append({"document": skip.document, "status": "skipped", "reason": skip.reason})
        frame = pd.DataFrame(rows)
        extra = [c for c in frame.columns if c not in DOCUMENT_COLUMNS]
        frame = frame.reindex(columns=DOCUMENT_COLUMNS + extra)
        frame["pages"] = frame["pages"].astype("Int64")
        frame["segments"] = frame["segments"].astype("Int64")
        frame["tokens"] = frame["tokens"].astype("Int64")
        return frame.sort_values("document", kind="stable").reset_index(drop=True)

    def segments_frame(self) -> pd.DataFrame:
        """One row per segment with its location: page for PDFs, turn/speaker/role for transcripts."""
        rows = [
            (doc.id, doc.case, doc.kind, s.index, s.page, s.turn, s.speaker, s.role, s.interviewer, s.heading, s.text)
            for doc in self.documents
            for s in doc.segments
        ]
        frame = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
        for column in ("page", "turn"):
            frame[column] = frame[column].astype("Int64")
        return frame


def flat_name(doc_id: str) -> str:
    """A document id without '/', for programs that take a name as a file name (QualCoder copies REFI-QDA
    sources by name): 'interviews/a.docx' → 'interviews__a.docx'."""
    return doc_id.replace("/", "__")


def per_document(corpus: Corpus, task: DocumentTask, kind: str | None = None):
    """(document, result of ``task``) for every tokenized document of ``kind``: the result the reading
    workers computed when there is one, else computed here."""
    done = corpus.results.get(task.key, {})
    task.prepare(corpus.shared)
    for doc, tokens in corpus.tokenized(kind):
        result = done.get(doc.id)
        yield doc, (task(doc, tokens) if result is None else result)
