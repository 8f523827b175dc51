"""The spaCy component ``casestudy_codebook``: a codebook's matches in ``doc.spans``.

spaCy finds it through the package's ``spacy_factories`` entry point, so after installing
casestudy any pipeline can ``nlp.add_pipe("casestudy_codebook", config={"codebook": "codebooks/barnevern.yaml"})``.
Importing this module imports spaCy, so nothing else in casestudy imports it.
"""

from __future__ import annotations

from spacy.language import Language

from .matching import CodebookComponent


@Language.factory("casestudy_codebook", requires=["token.lemma"], assigns=["doc.spans"],
                  default_config={"codebook": None, "spans_key": "codebook"})
def make_codebook_component(nlp, name, codebook, spans_key):
    return CodebookComponent(codebook, spans_key)
