"""REFI-QDA codebooks (.qdc): hand our codebook to NVivo, ATLAS.ti, MAXQDA or QualCoder and take theirs back.

A .qdc holds only the code tree: ``CodeBook > Codes > Code`` with a GUID, a name, whether
the code may be applied (``isCodable``) and an optional ``Description``; codes nest.
Our export writes each code's label (else its id) as the name and its description; the
GUID is a uuid5 of the code id, so the same codebook always gives the same file and a
code keeps its GUID across exports.

Patterns do not exist in REFI-QDA. An imported code therefore starts with one pattern:
its name in lower case without punctuation ("Tidlig innsats (TI)" → ``tidlig innsats
ti``), to be edited before the codebook is used for coding. Imported codes get
``origin: inductive`` (codes made in a QDA program usually grow out of reading the
data); pass ``origin="deductive"`` for a theory-driven codebook. Given ``codebook=``,
the codebook the file was made from, a code that matches one of its codes (same GUID
as we export it, else same label, else same id) keeps that code's id, patterns and
settings, so a codebook edited in NVivo comes back without losing its patterns.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ...codebook import Codebook
from ...errors import CodebookError, UsageError
from ...atomic import atomic_path
from ._common import (
    CODEBOOK_NS, add_codes, load_xml_source, local_name, namespace_of, origin_string, read_codes, xml_bytes,
)


def qdc_bytes(codebook: Codebook) -> bytes:
    """The .qdc document for ``codebook`` (UTF-8 XML, byte-identical for the same codebook)."""
    if not codebook.codes:
        raise UsageError("codebook has no codes: a REFI-QDA codebook needs at least one Code")
    root = ET.Element("CodeBook", {"origin": origin_string()})
    add_codes(root, codebook)
    return xml_bytes(root, CODEBOOK_NS)


def export_qdc(codebook: Codebook, path: str | Path) -> Path:
    """Write ``codebook`` as a REFI-QDA codebook (.qdc) at ``path`` (atomically); returns the path."""
    data = qdc_bytes(codebook)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def import_qdc(path: str | Path, *, codebook: Codebook | None = None, origin: str = "inductive") -> Codebook:
    """Read a REFI-QDA codebook (.qdc, or the codebook inside a .qdpx project) into a Codebook.

    Args:
        path: the .qdc (or .qdpx) file.
        codebook: the codebook the file was exported from, if any: matching codes keep its ids,
            patterns and settings (see the module docstring).
        origin: 'inductive' or 'deductive', for codes that match no code of ``codebook``.
    Returns:
        A Codebook named after the file; ids are made from the code names (lower-case ASCII,
        other characters → '_', made unique with _2, _3 …), labels are the names.
    """
    path = Path(path)
    root, archive = load_xml_source(path)
    if archive is not None:
        archive.close()
    ns = namespace_of(root)
    if local_name(root) == "CodeBook":
        codes = root.find(f"{ns}Codes")
    elif local_name(root) == "Project":
        codes = root.find(f"{ns}CodeBook/{ns}Codes")
    else:
        raise CodebookError(f"not a REFI-QDA codebook: the root element is <{local_name(root)}>, not <CodeBook>",
                            path=path)
    if codes is None or codes.find(f"{ns}Code") is None:
        raise CodebookError("the codebook has no codes (no <Codes><Code …> element)", path=path)
    built, _ = read_codes(codes, ns, reference=codebook, origin=origin, path=path)
    return Codebook(name=path.stem, codes=built, language=codebook.language if codebook else "nb",
                    description=f"Imported from {path.name} (REFI-QDA)")
