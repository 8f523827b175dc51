"""What the codebook (.qdc) and project (.qdpx) formats share: GUIDs, code ids, the code tree in XML."""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from ...codebook import Code, Codebook, slug_id
from ...errors import CasestudyError, CodebookError, check_choice
from ..files import XML_ILLEGAL

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"

#: Fixed namespace for uuid5: the same code, document or selection gets the same GUID in every run.
_GUID_NAMESPACE = uuid.UUID("c7e4c4b2-8224-4e95-b301-6fec6fa5cb41")
_NAMESPACE_BYTES = _GUID_NAMESPACE.bytes
ORIGINS = ("inductive", "deductive")


def guid(*parts) -> str:
    """A deterministic GUID (uuid5) from stable keys, e.g. ``guid("code", "prevention")``: the same value
    as ``str(uuid.uuid5(namespace, "\\x1f".join(map(str, parts))))``."""
    return name_guid("\x1f".join(map(str, parts)))


def name_guid(name: str) -> str:
    """The GUID of :func:`guid` from the joined key, computed on the hex digest without building UUID
    objects: a national export makes over half a million of them."""
    h = hashlib.sha1(_NAMESPACE_BYTES + name.encode()).hexdigest()
    # version 5 in the 13th digit, the RFC 4122 variant (binary 10xx) in the 17th
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


@functools.lru_cache(maxsize=None)
def code_guid(code_id: str) -> str:
    return guid("code", code_id)


def xml_text(value) -> str:
    return XML_ILLEGAL.sub("", str(value))


def origin_string() -> str:
    from ...version import __version__

    return f"casestudy {__version__}"


def name_pattern(name: str) -> str:
    """The starting pattern of an imported code: its name's words in lower case, punctuation dropped."""
    return " ".join(re.findall(r"\w+", name.lower()))


# --- writing -------------------------------------------------------------------------------------------------


def add_codes(parent: ET.Element, codebook: Codebook) -> ET.Element:
    """Append ``Codes`` with one ``Code`` per code (name = label, else id), children nested."""
    codes = ET.SubElement(parent, "Codes")
    for code in codebook.codes:
        _add_code(codes, code)
    return codes


def _add_code(parent: ET.Element, code: Code) -> None:
    element = ET.SubElement(parent, "Code", {
        "guid": code_guid(code.id), "name": xml_text(code.label or code.id), "isCodable": "true",
    })
    if code.description:
        ET.SubElement(element, "Description").text = xml_text(code.description)
    for child in code.children:
        _add_code(element, child)


def xml_bytes(root: ET.Element, namespace: str) -> bytes:
    """Serialise with a default namespace, two-space indents and a UTF-8 declaration: the same tree
    gives the same bytes (attributes keep the order they were set in)."""
    attributes = dict(root.attrib)
    root.attrib.clear()
    root.attrib.update({"xmlns": namespace, **attributes})
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"


# --- reading -------------------------------------------------------------------------------------------------


def parse_xml(data: bytes, path) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise CasestudyError(f"{path}: not well-formed XML ({exc})") from None


def namespace_of(element: ET.Element) -> str:
    """'{urn:…}' of an element's tag, or '' for a file written without a namespace."""
    return element.tag[: element.tag.index("}") + 1] if element.tag.startswith("{") else ""


def local_name(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def read_member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """An archive member by name, matched case-insensitively (tools write Sources/, sources/ or nothing)."""
    from ...limits import read_zip_member

    by_name, by_base = _member_index(archive)
    wanted = name.lower().lstrip("/")
    info = by_name.get(wanted) or by_base.get(wanted.rsplit("/", 1)[-1])
    return None if info is None else read_zip_member(archive, info, archive.filename)


def _member_index(archive: zipfile.ZipFile) -> tuple[dict, dict]:
    """The archive's members by lower-cased name and by base name (the first of each), made once per archive:
    looking each source up in the whole list made a project of 20,000 sources take seconds."""
    index = getattr(archive, "_casestudy_index", None)
    if index is None:
        by_name, by_base = {}, {}
        for info in archive.infolist():
            lowered = info.filename.lower()
            by_name.setdefault(lowered, info)
            if not info.is_dir():
                by_base.setdefault(lowered.rsplit("/", 1)[-1], info)
        index = archive._casestudy_index = (by_name, by_base)
    return index


def read_codes(codes: ET.Element | None, ns: str, *, reference: Codebook | None, origin: str, path,
               ) -> tuple[list[Code], dict[str, str]]:
    """Build our codes from a ``Codes`` element; returns the codes and a map of GUID → code id.

    A code that matches a ``reference`` code (same GUID as we export it, else the same
    label, else the same id) keeps that code's id, patterns and settings, and takes its
    name and description from the file. Any other code gets an id made from its name,
    ``origin``, and its name in lower case as a starting pattern.
    """
    check_choice("origin", origin, ORIGINS)
    if codes is None:
        return [], {}
    elements = list(codes.iter(f"{ns}Code"))
    for element in elements:
        if not (element.get("name") or "").strip():
            raise CodebookError("a Code has no name", path=path, code=element.get("guid"))
    matches = _match_reference(elements, reference)
    used = {ref.id for ref in matches.values()}
    # ids are handed out in file order, parents before children, before any code is built
    ids = {id(e): matches[id(e)].id if id(e) in matches else _unique(slug_id(e.get("name").strip()), used)
           for e in elements}
    guids = {e.get("guid"): ids[id(e)] for e in elements if e.get("guid")}

    def build(element: ET.Element) -> Code:
        name = element.get("name").strip()
        described = element.find(f"{ns}Description")
        description = (described.text or "").strip() if described is not None else ""
        children = [build(child) for child in element.findall(f"{ns}Code")]
        code_id = ids[id(element)]
        ref = matches.get(id(element))
        starting = [name_pattern(name) or code_id.replace("_", " ")]
        if ref is not None:
            # a parent that lost its children in the other program still needs something to match
            patterns = list(ref.patterns) or ([] if children or ref.regex else starting)
            return Code(id=code_id, label=name, description=description or ref.description, origin=ref.origin,
                        patterns=patterns, exclude=list(ref.exclude), examples=list(ref.examples),
                        regex=list(ref.regex), negation=ref.negation, extra=dict(ref.extra), children=children)
        return Code(id=code_id, label=name, description=description, origin=origin, patterns=starting,
                    children=children)

    return [build(element) for element in codes.findall(f"{ns}Code")], guids


def _unique(base: str, used: set[str]) -> str:
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}_{n}", n + 1
    used.add(candidate)
    return candidate


def _match_reference(elements: list[ET.Element], reference: Codebook | None) -> dict[int, Code]:
    """Element (by id()) → reference code, each reference code used once: GUID, then label, then id."""
    if reference is None:
        return {}
    flat = reference.flat()
    free = {c.id: c for c in flat}
    matches: dict[int, Code] = {}
    keys = [
        lambda c: code_guid(c.id),
        lambda c: (c.label or c.id).casefold(),
        lambda c: c.id.casefold(),
    ]
    values = [
        lambda e: e.get("guid") or "",
        lambda e: (e.get("name") or "").strip().casefold(),
        lambda e: slug_id(e.get("name") or ""),
    ]
    for key, value in zip(keys, values):
        for element in elements:
            if id(element) in matches:
                continue
            wanted = value(element)
            for code in flat:
                if code.id in free and key(code) == wanted:
                    matches[id(element)] = free.pop(code.id)
                    break
    return matches


def load_xml_source(path, member: str = "project.qde") -> tuple[ET.Element, zipfile.ZipFile | None]:
    """Parse a .qdc file, or the ``project.qde`` inside a .qdpx; returns the root and the open archive."""
    path = Path(path)
    if not path.exists():
        raise CasestudyError(f"{path}: file not found")
    if zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        data = read_member(archive, member)
        if data is None:
            archive.close()
            raise CasestudyError(f"{path}: no {member} in the archive; is this a REFI-QDA project (.qdpx)?")
        return parse_xml(data, f"{path}:{member}"), archive
    return parse_xml(path.read_bytes(), path), None
