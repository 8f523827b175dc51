"""Content-hash cache of processed documents: segments as JSON, tokens as plain arrays (no pickle), text as UTF-8.

An entry is keyed by the file's sha256, its reader (the file's suffix), every reading option
(the interviewer labels, the spaCy model, …) and the pipeline fingerprint, so a change of file,
option, reader, cleaning or NLP version misses the cache and is processed again. An entry is
one file: a magic line, the length of a JSON header, the header (the source's sha256, the
reading options, the document's fields and each array's name, dtype and length), the arrays'
bytes one after the other, each aligned to 8 bytes, and last a BLAKE2b checksum of everything
before it; no pickle, so an entry cannot run code.

An entry cannot lie: it is used only when its checksum holds, its header names the same source
hash and options as the request, and every token points into its own strings and segments.
Anything else (an edited, truncated or swapped entry, a FIFO or a link in its place) is a miss,
never an error, and the entry is written again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path

import numpy as np

from ..model import Document, Segment, segment_values
from ..text.nlp import TokenTable

READER_VERSION = "read-4"  # read-3: one flat file instead of an .npz; read-4: checksum, source hash and options inside
_MAGIC = b"casestudy document cache 2\n"
_ARRAY_KINDS = "iub"  # the dtypes a header may name: integers, unsigned integers and booleans
_CHECKSUM_SIZE = 32
_TOKEN_ARRAYS = ("segment", "sent", "start", "end", "lower", "lemma", "flags")
_SEGMENT_FIELDS = len(segment_values(Segment(0, "")))


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
    """Processed documents by source hash, under a key of every option that shapes them.

    Args:
        folder: the cache folder.
        fingerprint: what the tokens depend on (:func:`casestudy.text.nlp.pipeline_fingerprint`).
        options: every reading option (interviewer labels, limits, …): JSON-able values; a change of
            any of them is a different key, so an entry is never read under options it was not made with.
    """

    def __init__(self, folder: str | Path, fingerprint: str, options: dict | None = None):
        self.folder = Path(folder)
        self.options = json.loads(json.dumps(options or {}, sort_keys=True, default=str))
        self._base = f"{code_fingerprint()}|{fingerprint}|{json.dumps(self.options, sort_keys=True)}"
        self.key = hashlib.sha256(self._base.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def _key(self, reader: str) -> str:
        """The key for one reader (a file's suffix): the same bytes read as .txt and as .docx differ."""
        return hashlib.sha256(f"{self._base}|{reader.lower()}".encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def _path(self, sha256: str, reader: str = "") -> Path:
        return self.folder / sha256[:2] / f"{sha256}-{self._key(reader)}.entry"

    def has(self, sha256: str, reader: str = "") -> bool:
        """Whether there is an entry for a file hash (it may still turn out unusable: see :meth:`get`)."""
        try:
            return stat.S_ISREG(os.lstat(self._path(sha256, reader)).st_mode)
        except OSError:
            return False

    def get(self, sha256: str, reader: str = "") -> tuple[dict, TokenTable] | None:
        """(document fields, tokens) for a file hash, or None when absent or not exactly what it should be."""
        data = _read_regular(self._path(sha256, reader))
        if data is None:
            return None
        try:
            return self._parse(data, sha256, reader)
        except Exception:  # a damaged entry is a miss, never an error
            return None

    def _parse(self, data: bytearray, sha256: str, reader: str) -> tuple[dict, TokenTable] | None:
        if len(data) < len(_MAGIC) + 8 + _CHECKSUM_SIZE or not data.startswith(_MAGIC):
            return None
        body = memoryview(data)[:-_CHECKSUM_SIZE]
        if hashlib.blake2b(body, digest_size=_CHECKSUM_SIZE).digest() != bytes(data[-_CHECKSUM_SIZE:]):
            return None
        position = len(_MAGIC) + 8
        size = int.from_bytes(data[len(_MAGIC):position], "little")
        header = json.loads(bytes(data[position:position + size]).decode("utf-8", "surrogatepass"))
        if header.get("source") != sha256 or header.get("key") != self._key(reader):
            return None  # another document's entry, or one made under other options
        if header.get("options") != self.options or header.get("reader") != reader.lower():
            return None
        position += size
        arrays = {}
        for name, dtype, count in header["arrays"]:
            dtype = np.dtype(dtype)
            if dtype.kind not in _ARRAY_KINDS or not isinstance(count, int) or count < 0:
                return None
            arrays[name] = np.frombuffer(data, dtype, count, position)
            position += _padded(arrays[name].nbytes)
        if position != len(body):
            return None
        fields = header["document"]
        if not _valid_fields(fields) or not _valid_tokens(arrays, fields["segments"]):
            return None
        return fields, TokenTable.from_arrays(arrays)

    def put(self, doc: Document, tokens: TokenTable) -> None:
        reader = Path(doc.path).suffix.lower()
        path = self._path(doc.sha256, reader)
        path.parent.mkdir(parents=True, exist_ok=True)
        fields = {
            "pages": doc.pages, "format": doc.format, "encoding": doc.encoding,
            "segments": list(map(segment_values, doc.segments)),
        }
        arrays = {name: np.ascontiguousarray(a) for name, a in tokens.to_arrays().items()}
        header = json.dumps({"source": doc.sha256, "key": self._key(reader), "reader": reader,
                             "options": self.options, "document": fields,
                             "arrays": [[name, a.dtype.str, len(a)] for name, a in arrays.items()]},
                            ensure_ascii=False).encode("utf-8", "surrogatepass")
        header += b" " * (_padded(len(_MAGIC) + 8 + len(header)) - len(_MAGIC) - 8 - len(header))
        checksum = hashlib.blake2b(digest_size=_CHECKSUM_SIZE)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                for part in _parts(header, arrays):
                    checksum.update(part)
                    handle.write(part)
                handle.write(checksum.digest())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _parts(header: bytes, arrays: dict[str, np.ndarray]):
    """The bytes of an entry before its checksum, in order."""
    yield _MAGIC + len(header).to_bytes(8, "little") + header
    for a in arrays.values():
        yield a.data.cast("B") if a.nbytes else b""
        yield bytes(_padded(a.nbytes) - a.nbytes)


def _read_regular(path: Path) -> bytearray | None:
    """The bytes of ``path`` when it is a regular file (not a FIFO, device, folder or link), else None;
    opened without blocking, and checked again once open, so nothing put in its place can hang a run."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = bytearray(handle.read())  # writable: the arrays are views of it
        return data if len(data) == info.st_size else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _valid_fields(fields) -> bool:
    """Whether a header's document fields have the types a Document's reader fields have."""
    if not isinstance(fields, dict) or not isinstance(fields.get("segments"), list):
        return False
    if not (fields.get("pages") is None or _is_int(fields["pages"])):
        return False
    if not isinstance(fields.get("format"), str) or not isinstance(fields.get("encoding"), (str, type(None))):
        return False
    for values in fields["segments"]:
        if not isinstance(values, list) or len(values) != _SEGMENT_FIELDS:
            return False
        index, text, page, turn, speaker, role, interviewer, heading, level = values
        if not _is_int(index) or not isinstance(text, str) or not isinstance(interviewer, bool):
            return False
        if not all(v is None or _is_int(v) for v in (page, turn)) or not _is_int(level):
            return False
        if not all(isinstance(v, (str, type(None))) for v in (speaker, role)) or not isinstance(heading, bool):
            return False
    return True


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _valid_tokens(arrays: dict[str, np.ndarray], segments: list) -> bool:
    """Whether the token arrays are whole and every id and offset points inside the entry: the strings,
    the segments and each segment's text (an out-of-range id would fail much later, far from here)."""
    if set(arrays) != set(_TOKEN_ARRAYS) | {"strings", "string_lengths"}:
        return False
    n = len(arrays["start"])
    if any(len(arrays[name]) != n for name in _TOKEN_ARRAYS):
        return False
    lengths = arrays["string_lengths"]
    if (lengths < 0).any():
        return False
    try:
        text = arrays["strings"].tobytes().decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return False
    if int(lengths.sum()) != len(text):
        return False
    if n == 0:
        return True
    strings = len(lengths)
    for name in ("lower", "lemma"):
        ids = arrays[name]
        if ids.min() < 0 or ids.max() >= strings:
            return False
    segment = arrays["segment"]
    if segment.min() < 0 or segment.max() >= len(segments):
        return False
    sizes = np.array([len(values[1]) for values in segments], np.int64)[segment]
    start, end = arrays["start"].astype(np.int64), arrays["end"].astype(np.int64)
    return bool((start >= 0).all() and (start <= end).all() and (end <= sizes).all())


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
