"""casestudy: reproducible case-study analysis of Norwegian prevention plans and interviews.

Typical use in a notebook::

    import casestudy as cs
    corpus = cs.read_corpus("corpus")
    counts = cs.word_counts(corpus, by="role")

Importing the package does no work: models and pipelines load on first use.
"""

from .codebook import Code, Codebook, load_codebook
from .coding import code_corpus, code_matrix, code_texts, kwic
from .corpus import Document, Segment
from .errors import CasestudyError, CodebookError, ReaderError, UsageError
from .discover import discover
from .exchange import export_qdc, export_qdpx, import_qdc, import_qdpx
from .frequency import word_counts, wordclouds
from .nlp import lemmatize, load_stopwords
from .process import Corpus, read_corpus
from .profile import profiles
from .requirements import assess
from .readers import read

__version__ = "0.1.0"

__all__ = [
    "CasestudyError", "Code", "Codebook", "CodebookError", "Corpus", "Document", "ReaderError", "Segment",
    "UsageError", "assess", "code_corpus", "code_matrix", "code_texts", "discover", "export_qdc", "export_qdpx",
    "import_qdc", "import_qdpx", "kwic", "lemmatize", "load_codebook",
    "load_stopwords", "profiles", "read", "read_corpus", "word_counts", "wordclouds",
]
