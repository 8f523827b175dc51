"""Content-hash cache of processed documents: segments as JSON, tokens as plain arrays (no pickle), text as UTF-8.

An entry is keyed by the file's sha256 and the pipeline fingerprint, so a change of
file, reader, cleaning or NLP version misses the cache and is processed again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from .corpus import Document, Segment, segment_values
from .nlp import TokenTable

READER_VERSION = "read-2"  # read-2: text stored as UTF-8 bytes
_SOURCES = ("readers/__init__.py", "readers/pdf.py", "readers/docx.py", "readers/text.py", "readers/turns.py",
            "clean.py", "nlp.py", "corpus.py", "cache.py")


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the source of every module that shapes a cached document, so a code change misses the cache."""
    digest = hashlib.sha256(READER_VERSION.encode())
    base = Path(__file__).parent
    for name in _SOURCES:
        path = base / name
        digest.update(path.read_bytes() if path.exists() else name.encode())
    return digest.hexdigest()[:16]


class DocumentCache:
    def __init__(self, folder: str | Path, fingerprint: str):
        self.folder = Path(folder)
        self.key = hashlib.sha256(f"{code_fingerprint()}|{fingerprint}".encode()).hexdigest()[:16]

    def _path(self, sha256: str) -> Path:
        return self.folder / sha256[:2] / f"{sha256}-{self.key}.npz"

    def get(self, sha256: str) -> tuple[dict, TokenTable] | None:
        """(document fields, tokens) for a file hash, or None when absent or unreadable."""
        path = self._path(sha256)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                fields = json.loads(data["document"].tobytes().decode("utf-8", "surrogatepass"))
                arrays = {k: data[k] for k in data.files if k != "document"}
            return fields, TokenTable.from_arrays(arrays)
        except Exception:  # a damaged entry is a miss, never an error
            return None

    def put(self, doc: Document, tokens: TokenTable) -> None:
        path = self._path(doc.sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        fields = {
            "pages": doc.pages, "format": doc.format, "encoding": doc.encoding,
            "segments": list(map(segment_values, doc.segments)),
        }
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                document = json.dumps(fields, ensure_ascii=False).encode("utf-8", "surrogatepass")
                np.savez(handle, document=np.frombuffer(document, np.uint8), **tokens.to_arrays())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def restore(doc: Document, fields: dict) -> Document:
    """Fill a Document's reader fields from a cache entry."""
    doc.pages = fields["pages"]
    doc.format = fields["format"]
    doc.encoding = fields["encoding"]
    doc.segments = [Segment(*values) for values in fields["segments"]]
    return doc
