"""Content-hash cache of processed documents: segments as JSON, tokens as plain arrays (no pickle), text as UTF-8.

An entry is keyed by the file's sha256 and the pipeline fingerprint, so a change of
file, reader, cleaning or NLP version misses the cache and is processed again. An entry
is one file: a magic line, the length of a JSON header, the header (the document's
fields and each array's name, dtype and length) and the arrays' bytes one after the
other, each aligned to 8 bytes; no pickle, so an entry cannot run code.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from ..model import Document, Segment, segment_values
from ..text.nlp import TokenTable

READER_VERSION = "read-3"  # read-2: text stored as UTF-8 bytes; read-3: one flat file instead of an .npz
_MAGIC = b"casestudy document cache 1\n"
_ARRAY_KINDS = "iub"  # the dtypes a header may name: integers, unsigned integers and booleans


def _shaping_sources() -> list[Path]:
    """The modules whose code shapes a cached document: the data model, every reader (sources/), the
    cleaning and NLP (text/) and this cache; found on disk, so a new reader module is covered too."""
    package = Path(__file__).resolve().parents[1]
    found = [package / "model.py", Path(__file__).resolve()]
    for folder in ("sources", "text"):
        found += sorted((package / folder).rglob("*.py"))
    return found


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the source of every module that shapes a cached document, so a code change misses the cache."""
    digest = hashlib.sha256(READER_VERSION.encode())
    package = Path(__file__).resolve().parents[1]
    for path in _shaping_sources():
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def default_cache_folder() -> Path:
    """Where the commands keep processed documents unless told otherwise: $CASESTUDY_CACHE, else
    $XDG_CACHE_HOME/casestudy, else ~/.cache/casestudy. Outside every output folder, so sharing the
    outputs shares no full texts, and one folder for every command (kwic as much as run)."""
    if os.environ.get("CASESTUDY_CACHE"):
        return Path(os.environ["CASESTUDY_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "casestudy"


class DocumentCache:
    def __init__(self, folder: str | Path, fingerprint: str):
        self.folder = Path(folder)
        self.key = hashlib.sha256(f"{code_fingerprint()}|{fingerprint}".encode()).hexdigest()[:16]

    def _path(self, sha256: str) -> Path:
        return self.folder / sha256[:2] / f"{sha256}-{self.key}.entry"

    def has(self, sha256: str) -> bool:
        """Whether there is an entry for a file hash (it may still turn out unreadable: see :meth:`get`)."""
        return self._path(sha256).exists()

    def get(self, sha256: str) -> tuple[dict, TokenTable] | None:
        """(document fields, tokens) for a file hash, or None when absent or unreadable."""
        try:
            with open(self._path(sha256), "rb") as handle:
                data = bytearray(handle.read())  # writable: the arrays are views of it
        except OSError:
            return None
        try:
            if not data.startswith(_MAGIC):
                return None
            position = len(_MAGIC) + 8
            size = int.from_bytes(data[len(_MAGIC):position], "little")
            header = json.loads(data[position:position + size].decode("utf-8", "surrogatepass"))
            position += size
            arrays = {}
            for name, dtype, count in header["arrays"]:
                dtype = np.dtype(dtype)
                if dtype.kind not in _ARRAY_KINDS:
                    return None
                arrays[name] = np.frombuffer(data, dtype, count, position)
                position += _padded(arrays[name].nbytes)
            if position != len(data):
                return None
            return header["document"], TokenTable.from_arrays(arrays)
        except Exception:  # a damaged entry is a miss, never an error
            return None

    def put(self, doc: Document, tokens: TokenTable) -> None:
        path = self._path(doc.sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        fields = {
            "pages": doc.pages, "format": doc.format, "encoding": doc.encoding,
            "segments": list(map(segment_values, doc.segments)),
        }
        arrays = {name: np.ascontiguousarray(a) for name, a in tokens.to_arrays().items()}
        header = json.dumps({"document": fields, "arrays": [[name, a.dtype.str, len(a)] for name, a in arrays.items()]},
                            ensure_ascii=False).encode("utf-8", "surrogatepass")
        header += b" " * (_padded(len(_MAGIC) + 8 + len(header)) - len(_MAGIC) - 8 - len(header))
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_MAGIC + len(header).to_bytes(8, "little") + header)
                for a in arrays.values():
                    handle.write(a.data)
                    handle.write(bytes(_padded(a.nbytes) - a.nbytes))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _padded(size: int) -> int:
    """``size`` rounded up to a multiple of 8, so that every array starts aligned."""
    return -(-size // 8) * 8


def restore(doc: Document, fields: dict) -> Document:
    """Fill a Document's reader fields from a cache entry."""
    doc.pages = fields["pages"]
    doc.format = fields["format"]
    doc.encoding = fields["encoding"]
    doc.segments = [Segment(*values) for values in fields["segments"]]
    return doc
