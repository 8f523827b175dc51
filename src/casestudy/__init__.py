"""casestudy: reproducible case-study analysis of Norwegian prevention plans and interviews.

Typical use in a notebook::

    import casestudy as cs
    corpus = cs.read_corpus("corpus")
    counts = cs.word_counts(corpus, by="role")

Importing the package does no work: models and pipelines load on first use.

Layout (each layer imports only the ones above it): ``model``, ``codebook`` and ``text/``
(the data and Norwegian language), ``sources/`` (readers), ``analyses/`` and ``engine/``
(siblings: what is computed, and the parallel reading that computes it), ``output/`` (files),
``pipeline`` (joins the tables), ``cli``.
"""

from .analyses.coding import code_corpus, code_matrix, code_texts
from .analyses.discover import discover
from .analyses.frequency import word_counts
from .analyses.kwic import kwic
from .analyses.learn import load_model, suggest, train_coder
from .analyses.plancheck import assess
from .analyses.profile import profiles
from .codebook import Code, Codebook, find_codebook, load_codebook
from .engine.reading import read_corpus
from .errors import CasestudyError, CodebookError, ReaderError, UsageError
from .model import Corpus, Document, Segment
from .output.exchange import export_qdc, export_qdpx, import_qdc, import_qdpx
from .output.figures import wordclouds
from .pipeline import plan_run
from .sources import read
from .text.nlp import lemmatize, load_stopwords
from .version import __version__

__all__ = [
    "CasestudyError", "Code", "Codebook", "CodebookError", "Corpus", "Document", "ReaderError", "Segment",
    "UsageError", "__version__", "assess", "code_corpus", "code_matrix", "code_texts", "discover", "export_qdc",
    "export_qdpx", "find_codebook", "import_qdc", "import_qdpx", "kwic", "lemmatize", "load_codebook",
    "load_model", "load_stopwords", "plan_run", "profiles", "read", "read_corpus", "suggest", "train_coder",
    "word_counts", "wordclouds",
]
