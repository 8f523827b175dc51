"""REFI-QDA projects (.qdpx): the corpus, its cases, the codebook and every coded passage in one file.

A .qdpx is a zip with ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``) and the
source texts under ``Sources/``. The export writes, in the schema's order: ``Users``,
``CodeBook``, ``Variables`` (case and document attributes), ``Cases`` (one per case,
with its attributes and the documents it holds) and ``Sources``.

Every document is a ``TextSource`` whose plain text is ``Sources/<guid>.txt`` (UTF-8, no
BOM): the text casestudy extracted, i.e. ``Document.text``, the segments joined with a
blank line. Plans are not written as ``PDFSource`` with a text ``Representation``
because our offsets are offsets in *our* text, after de-hyphenation, header and footer
removal and NFC normalisation: a ``PDFSource`` invites the importing program to show and
re-extract the PDF itself, where these offsets point at other characters, and its own
selections (``PDFSelection``) are page rectangles we do not have. A ``TextSource``
imports the same way in every program, and the passages sit exactly where we coded
them. The source's description names the original file and its SHA-256.

Each coded row becomes a ``PlainTextSelection`` over its unit — the sentence, paragraph or
turn it was coded in — with the matched words (and a negation) in the selection's
description, or with ``span='match'`` over the matched words alone; rows with the same span
share one selection, with one ``Coding`` per code. The tool's codings are by the user
AUTO_USER, so a reviewer's own codings stand apart; source names hold no '/'. Positions count
characters (Unicode code points, as Python ``str`` indexes), not bytes: the segment's
offset in the joined text plus the row's ``start``/``end``. All GUIDs are uuid5 of
stable keys (document id + SHA-256, code id, selection offsets), and the zip has fixed
timestamps, so the same input gives the same bytes in every run.
"""

from __future__ import annotations

import functools
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import pandas as pd

from ...codebook import Codebook
from ...errors import CasestudyError, UsageError
from ...model import flat_name
from ...atomic import atomic_path
from ._common import (
    PROJECT_NS, add_codes, code_guid, guid, load_xml_source, local_name, name_guid, namespace_of, origin_string,
    read_codes, read_member, xml_bytes, xml_text,
)

#: Columns of the codings frame that ``import_qdpx`` returns.
CODING_COLUMNS = ["document", "start", "end", "code", "text", "coder"]
REQUIRED_CODED = ("document", "segment", "start", "end", "code")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_ZIP_LEVEL = 3


def source_guid(doc) -> str:
    return guid("source", doc.id, doc.sha256)


def segment_starts(doc) -> list[int]:
    """Offset of each segment in ``doc.text`` (segments are joined with '\\n\\n')."""
    starts, position = [], 0
    for segment in doc.segments:
        starts.append(position)
        position += len(segment.text) + 2
    return starts


#: The user the tool's own codings are made by, so a reviewer's codings in a QDA program are told apart
#: on import (``read_coding`` leaves this user's codings out of a human coding).
AUTO_USER = "casestudy-auto"
SPANS = ("unit", "match")


def export_qdpx(corpus, coded: pd.DataFrame | None, codebook: Codebook, path: str | Path, *,
                users=("casestudy",), name: str | None = None, coder: str | None = None,
                span: str = "unit", earlier: str | Path | None = None) -> Path:
    """Write a REFI-QDA project (.qdpx) with every document, its case and attributes, and the coded passages.

    Args:
        corpus: a Corpus (or any iterable of Documents).
        coded: the frame of ``code_corpus`` (document, segment, start, end, code; ``unit`` and ``text``
            give the coded unit; ``matched`` is checked against the text when present; a ``coder``
            column names the user per row). None or empty: the sources and the codebook, no codings.
        codebook: the codebook the rows were coded with.
        path: the .qdpx file to write (atomically).
        users: user names; the first one is the project's creator.
        name: the project name (default: the file name without .qdpx).
        coder: the user of rows without a coder (default: the first of ``users``); the pipeline
            writes its auto-coding as AUTO_USER.
        span: 'unit' codes the whole unit a row stands for (its sentence, paragraph or turn), with the
            matched words and negation in the selection's description; 'match' codes the matched words.
        earlier: a project this function wrote before (the previous run's): a source whose text is the
            same is copied from it as it is compressed there, not compressed again (the same bytes).
    Returns:
        ``path``.
    """
    from ...errors import check_choice

    check_choice("span", span, SPANS)
    users = [str(u) for u in users]
    if not users or not all(users):
        raise UsageError("users must name at least one user, e.g. users=('casestudy',)")
    documents = sorted(corpus, key=lambda d: d.id)
    selections, coders, notes = _selections(documents, coded, codebook, coder or users[0], span)
    for user in sorted(coders - set(users)):
        users.append(user)
    root = _project(documents, selections, codebook, users, name or Path(path).stem, span)
    # The tree holds everything but the sources, which hold the selections (up to a million
    # elements for a national corpus): those are written as text, one document at a time,
    # where the placeholder stands, in the same form ElementTree would give them.
    head, _, tail = xml_bytes(root, PROJECT_NS).decode("utf-8").partition(f"    <{_PLACEHOLDER} />\n")
    names, case_level = _variables(documents)
    user_guid = {u: guid("user", u) for u in users}
    source_names = _source_names(documents)
    with atomic_path(path) as tmp, _EarlierSources(earlier) as sources:
        with zipfile.ZipFile(tmp, "w") as archive:
            with archive.open(_zip_info("project.qde"), "w") as member, _Behind(member.write) as write:
                write(head.encode("utf-8"))
                for doc in documents:
                    write(_text_source(doc, selections[doc.id], notes[doc.id], names, case_level, user_guid,
                                       users[0], source_names[doc.id]).encode("utf-8"))
                write(tail.encode("utf-8"))
            for doc in documents:
                info, text = _zip_info(f"Sources/{source_guid(doc)}.txt"), doc.text.encode("utf-8")
                sources.write(archive, info, text)
    return Path(path)


class _Behind:
    """Calls ``write`` (a zip member's: deflate and write, which let go of the interpreter) in a thread of its
    own, in order, while the caller makes the next part: the project's XML is made and compressed at once.
    At most ``ahead`` parts wait; an error in a write is raised at the next call or at the end."""

    def __init__(self, write, ahead: int = 8):
        from concurrent.futures import ThreadPoolExecutor

        self._write, self._ahead = write, ahead
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="deflate")
        self._pending: list = []

    def __enter__(self):
        return self

    def __call__(self, data: bytes) -> None:
        self._pending.append(self._pool.submit(self._write, data))
        if len(self._pending) > self._ahead:
            self._pending.pop(0).result()

    def __exit__(self, *failed):
        try:
            for future in self._pending:
                future.result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
        return False


class _EarlierSources:
    """The source texts of an earlier project, to copy compressed as they are (see :func:`export_qdpx`).

    A member is copied only when it is what this export would write: the same name, our own fixed header
    (deflated, no encryption, no data descriptor), and its bytes inflate to exactly the text (checked in
    full, so a changed or damaged earlier project costs time, never a wrong source); otherwise the text is
    compressed as usual. The copy gives the same bytes as compressing the text again, since the earlier
    project was compressed by this same code at the same level."""

    def __init__(self, path: str | Path | None):
        self._archive = self._file = None
        self._members: dict[str, zipfile.ZipInfo] = {}
        if path is None:
            return
        try:
            self._file = open(path, "rb")
            self._archive = zipfile.ZipFile(self._file)
            self._members = {info.filename: info for info in self._archive.infolist()}
        except (OSError, zipfile.BadZipFile, ValueError):
            self.close()

    def __enter__(self):
        return self

    def __exit__(self, *failed):
        self.close()
        return False

    def close(self) -> None:
        for handle in (self._archive, self._file):
            if handle is not None:
                handle.close()
        self._archive = self._file = None
        self._members = {}

    def write(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> None:
        """Write ``data`` as the member ``info`` of ``archive``: copied from the earlier project when it holds
        the same text, else compressed."""
        deflated = self._deflated(info, data)
        if deflated is None:
            archive.writestr(info, data)
            return
        info.file_size = len(data)  # as writestr sets it
        with archive.open(info, "w") as member:
            if hasattr(member, "_compressor"):  # (else it compresses the text as writestr would)
                member._compressor = _Compressed(deflated)  # the write computes size and CRC of ``data`` itself
            member.write(data)

    def _deflated(self, info: zipfile.ZipInfo, data: bytes) -> bytes | None:
        earlier = self._members.get(info.filename)
        if (earlier is None or earlier.compress_type != zipfile.ZIP_DEFLATED or earlier.flag_bits
                or earlier.file_size != len(data) or earlier.compress_size > 2 * len(data) + 1024):
            return None
        try:
            self._file.seek(earlier.header_offset)
            header = self._file.read(zipfile.sizeFileHeader)
            fields = struct.unpack(zipfile.structFileHeader, header)
            if (fields[0] != zipfile.stringFileHeader or fields[3] or fields[4] != zipfile.ZIP_DEFLATED
                    or fields[8] != earlier.compress_size or fields[9] != len(data)):
                return None
            self._file.seek(earlier.header_offset + zipfile.sizeFileHeader + fields[10] + fields[11])
            deflated = self._file.read(earlier.compress_size)
        except (OSError, struct.error):
            return None
        inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            same = inflate.decompress(deflated, len(data) + 1) == data and inflate.eof and not inflate.unused_data
        except zlib.error:
            return None
        return deflated if same else None


class _Compressed:
    """A zip member's compressor that hands back bytes deflated already (see :class:`_EarlierSources`)."""

    def __init__(self, deflated: bytes):
        self._deflated = deflated

    def compress(self, data) -> bytes:
        deflated, self._deflated = self._deflated, b""
        return deflated

    def flush(self) -> bytes:
        return b""


def _source_names(documents) -> dict[str, str]:
    """Each document's source name, without '/': its file name where that is unique, else its flat id."""
    count: dict[str, int] = {}
    for doc in documents:
        base = PurePosixPath(doc.id).name
        count[base] = count.get(base, 0) + 1
    return {doc.id: PurePosixPath(doc.id).name if count[PurePosixPath(doc.id).name] == 1 else flat_name(doc.id)
            for doc in documents}


def _unit_span(doc, starts: list[int], unit, seg: int, start: int, end: int, text) -> tuple[int, int]:
    """The span in ``doc.text`` of the unit a coded row stands for (the matched words when it cannot be found)."""
    segment = doc.segments[seg]
    if unit == "turn" and segment.turn is not None:
        same = [i for i, s in enumerate(doc.segments) if s.turn == segment.turn]
        return starts[same[0]], starts[same[-1]] + len(doc.segments[same[-1]].text)
    if unit == "paragraph" or (unit == "turn" and segment.turn is None):
        return starts[seg], starts[seg] + len(segment.text)
    if unit == "sentence" and isinstance(text, str) and text:
        at = segment.text.find(text, max(0, end - len(text)))
        if 0 <= at <= start:
            return starts[seg] + at, starts[seg] + at + len(text)
    return starts[seg] + start, starts[seg] + end


_PLACEHOLDER = "casestudy-sources"


def _zip_info(member: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(member, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    # level 3: half the time of the default 6 for a file 15 % larger (the public name is 3.13+)
    info._compresslevel = _ZIP_LEVEL
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info


def _selections(documents, coded, codebook: Codebook, default_coder: str, span: str):
    """doc id → {(start, end) in the document's text: [(code id, coder), …]}, the coders seen, and doc id →
    {(start, end): the matched words per code and whether negated} for the selections' descriptions."""
    found: dict[str, dict[tuple[int, int], list[tuple[str, str]]]] = {doc.id: {} for doc in documents}
    notes: dict[str, dict[tuple[int, int], list[str]]] = {doc.id: {} for doc in documents}
    coders: set[str] = set()
    if coded is None or coded.empty:
        return found, coders, notes
    missing = [c for c in REQUIRED_CODED if c not in coded.columns]
    if missing:
        raise UsageError(f"coded must have the columns of code_corpus; missing: {', '.join(missing)}")
    by_id = {doc.id: doc for doc in documents}
    order = {code_id: i for i, code_id in enumerate(codebook.ids)}
    n = len(coded)
    columns = [coded[c].tolist() for c in REQUIRED_CODED]
    columns += [coded[c].tolist() if c in coded.columns else [None] * n
                for c in ("matched", "coder", "unit", "text", "negated")]
    last = object()  # rows come grouped by document: its texts and spans are looked up once per run of rows
    for document, segment, start, end, code_id, matched, coder, unit, text, negated in zip(*columns):
        if document != last:
            doc = by_id.get(document)
            if doc is None:
                raise UsageError(f"coded has a row for document {document!r}, which is not in the corpus")
            last, texts, spans, described = document, [s.text for s in doc.segments], found[doc.id], notes[doc.id]
            starts = segment_starts(doc)
        if code_id not in order:
            raise UsageError(f"{doc.id}: coded has code {code_id!r}, which is not in codebook {codebook.name!r}")
        try:
            seg, start, end = int(segment), int(start), int(end)
        except (TypeError, ValueError):
            raise UsageError(f"{doc.id}: segment, start and end must be whole numbers, not "
                             f"{segment!r}, {start!r}, {end!r}") from None
        if not 0 <= seg < len(texts) or not 0 <= start <= end <= len(texts[seg]):
            raise CasestudyError(f"{doc.id}, segment {seg}: offsets {start}–{end} are outside the text; "
                                 "code this corpus again before exporting")
        if isinstance(matched, str) and texts[seg][start:end] != matched:
            raise CasestudyError(f"{doc.id}, segment {seg}: {matched!r} is not at {start}–{end} in the corpus text; "
                                 "code this corpus again before exporting")
        coder = coder if isinstance(coder, str) and coder else default_coder
        coders.add(coder)
        where = (_unit_span(doc, starts, unit, seg, start, end, text) if span == "unit"
                 else (starts[seg] + start, starts[seg] + end))
        codings = spans.setdefault(where, [])
        if (code_id, coder) not in codings:
            codings.append((code_id, coder))
        if span == "unit":
            note = (order[code_id], f"{code_id}: «{texts[seg][start:end]}»" + (" (negert)" if negated is True else ""))
            if note not in described.setdefault(where, []):
                described[where].append(note)
    for spans in found.values():
        for codings in spans.values():
            codings.sort(key=lambda c: (order[c[0]], c[1]))
    notes = {doc_id: {where: [text for _, text in sorted(found_notes)] for where, found_notes in per.items()}
             for doc_id, per in notes.items()}
    return found, coders, notes


def _attribute_value(doc, name: str) -> str | None:
    value = doc.kind if name == "kind" else doc.attributes.get(name)
    return None if value is None or str(value) == "" else str(value)


def _variables(documents) -> tuple[list[str], set[str]]:
    """Attribute names (kind first) and which of them are case attributes: the same in every document
    of every case. The others are written on each document's source."""
    names = ["kind"] + sorted({k for doc in documents for k in doc.attributes} - {"kind"})
    names = [n for n in names if any(_attribute_value(doc, n) is not None for doc in documents)]
    by_case: dict[str, list] = {}
    for doc in documents:
        by_case.setdefault(doc.case, []).append(doc)
    case_level = {n for n in names
                  if all(len({_attribute_value(doc, n) for doc in group}) == 1 for group in by_case.values())}
    return names, case_level


def _variable_value(parent: ET.Element, name: str, value: str) -> None:
    element = ET.SubElement(parent, "VariableValue")
    ET.SubElement(element, "VariableRef", {"targetGUID": guid("variable", name)})
    ET.SubElement(element, "TextValue").text = xml_text(value)


def _project(documents, selections, codebook: Codebook, users: list[str], name: str, span: str) -> ET.Element:
    user_guid = {u: guid("user", u) for u in users}
    root = ET.Element("Project", {"name": xml_text(name), "origin": origin_string(),
                                  "creatingUserGUID": user_guid[users[0]]})
    users_element = ET.SubElement(root, "Users")
    for user in users:
        ET.SubElement(users_element, "User", {"guid": user_guid[user], "name": xml_text(user)})
    if codebook.codes:
        add_codes(ET.SubElement(root, "CodeBook"), codebook)
    names, case_level = _variables(documents)
    if names:
        variables = ET.SubElement(root, "Variables")
        for variable in names:
            element = ET.SubElement(variables, "Variable", {"guid": guid("variable", variable),
                                                            "name": xml_text(variable), "typeOfVariable": "Text"})
            ET.SubElement(element, "Description").text = (
                "case attribute (the same in every document of the case)" if variable in case_level
                else "document attribute")
    by_case: dict[str, list] = {}
    for doc in documents:
        by_case.setdefault(doc.case, []).append(doc)
    if by_case:
        cases = ET.SubElement(root, "Cases")
        for case in sorted(by_case):
            element = ET.SubElement(cases, "Case", {"guid": guid("case", case), "name": xml_text(case)})
            first = by_case[case][0]
            for variable in names:
                value = _attribute_value(first, variable)
                if variable in case_level and value is not None:
                    _variable_value(element, variable, value)
            for doc in by_case[case]:
                ET.SubElement(element, "SourceRef", {"targetGUID": source_guid(doc)})
    if documents:
        ET.SubElement(ET.SubElement(root, "Sources"), _PLACEHOLDER)
    ET.SubElement(root, "Description").text = xml_text(
        f"Exported by {origin_string()} with codebook {codebook.name!r}. Each source is the plain text casestudy "
        "extracted from the document; " + (
            "a coded passage is the unit (sentence, paragraph or turn) a code was found in, and its description "
            "names the words that matched." if span == "unit" else
            "coded passages are the words that matched the codebook."))
    return root


def _attr(value) -> str:
    """An attribute value as ElementTree writes it."""
    return (xml_text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;"))


@functools.lru_cache(maxsize=65536)  # the same few words are coded over and over
def _selection_name(passage: str) -> str:
    """A selection's name: its text on one line, at most 60 characters, as an attribute value."""
    return _attr(" ".join(passage.split())[:60])


def _cdata(value) -> str:
    """Element text as ElementTree writes it."""
    return xml_text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text_element(indent: str, tag: str, text: str) -> str:
    text = _cdata(text)
    return f"{indent}<{tag}>{text}</{tag}>\n" if text else f"{indent}<{tag} />\n"


def _text_source(doc, spans, notes, names, case_level, user_guid, creator, name) -> str:
    """One TextSource element with its selections and codings, indented as a child of Sources."""
    g = source_guid(doc)
    text = doc.text
    out = [f'    <TextSource guid="{g}" name="{_attr(name)}" plainTextPath="internal://{g}.txt" '
           f'creatingUser="{user_guid[creator]}">\n']
    about = f"Text extracted by casestudy from {doc.id}"
    details = [d for d in (doc.format, f"{doc.pages} pages" if doc.pages else "",
                           f"sha256 {doc.sha256}" if doc.sha256 else "") if d]
    out.append(_text_element("      ", "Description", about + (f" ({', '.join(details)})" if details else "")))
    for (start, end), codings in sorted(spans.items()):
        # the GUIDs of guid("selection", g, start, end) and guid("coding", selection, code, coder)
        selection_guid = name_guid(f"selection\x1f{g}\x1f{start}\x1f{end}")
        out.append(f'      <PlainTextSelection guid="{selection_guid}" name="{_selection_name(text[start:end])}" '
                   f'startPosition="{start}" endPosition="{end}" creatingUser="{user_guid[codings[0][1]]}">\n')
        if (start, end) in notes:
            out.append(_text_element("        ", "Description", "Treff: " + "; ".join(notes[(start, end)])))
        for code_id, coder in codings:
            coding_guid = name_guid(f"coding\x1f{selection_guid}\x1f{code_id}\x1f{coder}")
            out.append(f'        <Coding guid="{coding_guid}" creatingUser="{user_guid[coder]}">\n'
                       f'          <CodeRef targetGUID="{code_guid(code_id)}" />\n'
                       f'        </Coding>\n')
        out.append("      </PlainTextSelection>\n")
    for variable in names:
        value = _attribute_value(doc, variable)
        if variable not in case_level and value is not None:
            out.append(f'      <VariableValue>\n        <VariableRef targetGUID="{guid("variable", variable)}" />\n'
                       + _text_element("        ", "TextValue", value) + "      </VariableValue>\n")
    out.append("    </TextSource>\n")
    return "".join(out)


# --- import --------------------------------------------------------------------------------------------------


def import_qdpx(path: str | Path, *, codebook: Codebook | None = None, origin: str = "inductive",
                ) -> tuple[pd.DataFrame, Codebook]:
    """Read the coded text passages and the codebook of a REFI-QDA project (.qdpx).

    Args:
        path: the .qdpx file (from NVivo, ATLAS.ti, MAXQDA, QualCoder or ``export_qdpx``).
        codebook: the codebook the project was made from, if any: its codes keep their ids
            (matched by GUID, label or id; see ``import_qdc``), so codings compare with ours.
        origin: 'inductive' or 'deductive', for codes that match no code of ``codebook``.
    Returns:
        ``(codings, codebook)``. codings has one row per Coding of a PlainTextSelection, sorted:
        document (the source's name), start, end (character positions in the source's plain
        text), code (the id in the returned codebook), text (the selected text), coder (the
        coding's user name). A coding of a whole text source covers its whole text. What could
        not be read (PDF rectangles, audio, a missing source file, an unknown code) is listed in
        ``codings.attrs["warnings"]``.
    """
    path = Path(path)
    root, archive = load_xml_source(path)
    try:
        ns = namespace_of(root)
        if local_name(root) != "Project":
            raise CasestudyError(f"{path}: not a REFI-QDA project: project.qde has <{local_name(root)}>, "
                                 "not <Project>")
        users = {u.get("guid"): u.get("name") or u.get("id") or u.get("guid")
                 for u in root.iterfind(f"{ns}Users/{ns}User")}
        codes, guids = read_codes(root.find(f"{ns}CodeBook/{ns}Codes"), ns, reference=codebook, origin=origin,
                                  path=path)
        book = Codebook(name=root.get("name") or path.stem, codes=codes,
                        language=codebook.language if codebook else "nb",
                        description=f"Imported from {path.name} (REFI-QDA)")
        rows: list[tuple] = []
        warnings: list[str] = []
        sources = root.find(f"{ns}Sources")
        for source in (sources if sources is not None else []):
            _read_source(source, ns, archive, path, root.get("basePath"), users, guids, rows, warnings)
    finally:
        if archive is not None:
            archive.close()
    frame = pd.DataFrame(rows, columns=CODING_COLUMNS)
    frame = frame.sort_values(["document", "start", "end", "code", "coder"], kind="stable").reset_index(drop=True)
    frame["start"] = frame["start"].astype("int64")
    frame["end"] = frame["end"].astype("int64")
    frame.attrs["warnings"] = warnings
    return frame, book


def _read_source(source, ns, archive, path, base_path, users, guids, rows, warnings) -> None:
    kind = local_name(source)
    name = source.get("name") or source.get("guid") or "?"
    if kind == "TextSource":
        texts = [source]
    elif kind == "PDFSource":
        texts = source.findall(f"{ns}Representation")
        boxes = sum(len(s.findall(f"{ns}Coding")) for s in source.findall(f"{ns}PDFSelection"))
        if boxes:
            warnings.append(f"{name}: {boxes} coding(s) of PDF page areas skipped (no text positions)")
    else:
        codings = sum(1 for _ in source.iter(f"{ns}Coding"))
        if codings:
            warnings.append(f"{name}: {codings} coding(s) of a {kind} skipped (not text)")
        return
    for text_source in texts:
        text = _source_text(text_source, ns, archive, path, base_path)
        if text is None:
            where = text_source.get("plainTextPath") or ""
            why = ("outside the project (only internal:// sources are read)" if where and
                   not where.startswith("internal://") else "not found")
            warnings.append(f"{name}: source text {why} ({where}); codings kept without their text")
        for selection in text_source.findall(f"{ns}PlainTextSelection"):
            try:
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            except (TypeError, ValueError):
                warnings.append(f"{name}: selection {selection.get('guid')} has no whole-number positions; skipped")
                continue
            for coding in selection.findall(f"{ns}Coding"):
                _add_coding(rows, warnings, name, start, end, text, coding, selection, ns, users, guids)
        for coding in text_source.findall(f"{ns}Coding"):
            if text is None:
                warnings.append(f"{name}: a coding of the whole source skipped (its text is missing)")
                continue
            _add_coding(rows, warnings, name, 0, len(text), text, coding, text_source, ns, users, guids)


def _add_coding(rows, warnings, name, start, end, text, coding, owner, ns, users, guids) -> None:
    ref = coding.find(f"{ns}CodeRef")
    target = ref.get("targetGUID") if ref is not None else None
    code_id = guids.get(target)
    if code_id is None:
        warnings.append(f"{name}: a coding refers to code {target}, which is not in the codebook; skipped")
        return
    user = coding.get("creatingUser") or owner.get("creatingUser")
    coder = users.get(user, user) if user else ""
    rows.append((name, start, end, code_id, text[start:end] if text is not None else None, coder))


def _source_text(element, ns, archive, path: Path, base_path: str | None) -> str | None:
    """The plain text of a text source: inline PlainTextContent, else the file its plainTextPath names."""
    inline = element.find(f"{ns}PlainTextContent")
    if inline is not None:
        return inline.text or ""
    target = element.get("plainTextPath")
    if not target:
        return None
    data = None
    # only the project's own archive is read: a source outside it (relative://, absolute://, a path) could
    # make a project someone sends read any file of this machine into the outputs
    if target.startswith("internal://") and archive is not None:
        data = read_member(archive, "Sources/" + target[len("internal://"):])
    return data.decode("utf-8-sig") if data is not None else None
