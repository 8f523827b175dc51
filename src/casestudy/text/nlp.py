"""Norwegian NLP: spaCy's blank ``nb`` tokenizer, simplemma lemmas, sentences, stop words.

The measured choice (README, "Norwegian language processing"): no trained Norwegian spaCy pipeline installs from
PyPI, and spaCy's own ``nb`` lookup table lemmatizes almost nothing, so lemmas come
from simplemma (Bokmål first, then Nynorsk) through a registered spaCy component,
with two fallbacks simplemma lacks: compound + genitive (``kjernebarnevernets``) and
unknown Nynorsk inflections (``tenestene``). A trained pipeline (``nb_core_news_*``)
is used instead when the user names one with ``model=`` and has it installed.

Processed text is kept as a :class:`TokenTable` of compact arrays per document, not
as spaCy Docs, so a national corpus fits in memory and caches without pickle.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import CasestudyError
from .nb import (
    ABBREVIATIONS, AGENT_ENDINGS, AGENT_NOUNS, AUXILIARIES, BETWEEN_MODAL_AND_VERB, COMPOUND_CONJUNCTIONS,
    INFINITIVE_CUES, INFLECTED_ENDINGS, LEMMA_EXCEPTIONS, LEMMA_PLURAL_RULES, LEMMA_SUFFIX_RULES, NB_ONLY, NN_ONLY,
    NOUN_CUES, PERFECT_AUXILIARIES, PRESENT_PARTICIPLE, VERB_CUES,
)

#: Bumped whenever tokens or lemmas for the same text can change; part of the cache key.
PIPELINE_VERSION = "nlp-5"  # nlp-4: Nynorsk e-infinitives, compounds, infinitive and article rules; nlp-5: verb forms
LANGS = ("nb", "nn")

# Flags per token, as bits.
ALPHA, NUM, PUNCT = 1, 2, 4


@functools.lru_cache(maxsize=200_000)
def lemmatize(word: str, langs: tuple[str, ...] = LANGS) -> str:
    """Lower-cased lemma of one word out of context, with the agent-noun, genitive and Nynorsk fallbacks.
    ``langs``: simplemma's languages in the order to try (a Nynorsk document: ``("nn", "nb")``)."""
    import simplemma

    lower = word.lower()
    if not any(c.isalpha() for c in lower):
        return lower
    if lower in LEMMA_EXCEPTIONS:
        return LEMMA_EXCEPTIONS[lower]
    if "-" in lower.strip("-"):
        head, _, tail = lower.rpartition("-")
        return f"{head}-{lemmatize(tail, langs)}" if tail else lower
    agent = _agent_noun(lower)
    if agent is not None:
        return agent
    if lower.endswith(PRESENT_PARTICIPLE) and (len(lower) >= 8
                                               or (len(lower) >= 6 and _is_verb_stem(lower[:-4], langs))):
        return lower  # a present participle is its own headword (forebyggende, økende, aukande), not the verb
    raw = simplemma.lemmatize(lower, lang=langs)
    proper = raw != lower and raw.lower() == lower  # a name's entry (Fylkesmannen): not the word's lemma
    lemma = _headword(raw.lower(), lower, langs)
    if (lemma != lower and len(lower) >= 9 and lower.endswith(INFLECTED_ENDINGS)
            and not simplemma.is_known(lower, lang=langs) and not simplemma.is_known(lemma, lang=langs)):
        # an unknown compound and an unknown guess (fosterheimar → fosterheima): its last part's lemma
        whole = _lemma_by_last_part(lower, langs)
        if whole:
            return whole
    if lemma != lower or len(lower) < 5:
        return lemma
    unknown = not simplemma.is_known(lower, lang=langs)
    if not unknown:
        # simplemma knows some Nynorsk definite plurals but returns them unchanged (tenestene)
        rules = LEMMA_PLURAL_RULES if len(lower) >= 7 else ()
    else:
        rules = LEMMA_SUFFIX_RULES
    for suffix, replacements in rules:
        if lower.endswith(suffix):
            stem = lower[: -len(suffix)]
            for ending in replacements:
                candidate = stem + ending
                if len(candidate) >= 3 and simplemma.is_known(candidate, lang=langs):
                    return simplemma.lemmatize(candidate, lang=langs).lower()
            # compound + genitive: simplemma knows the compound's base form only via its own rules
            if suffix == "s":
                inner = simplemma.lemmatize(stem, lang=langs)
                if inner != stem:
                    return inner.lower()
    if len(lower) >= 9 and lower.endswith(INFLECTED_ENDINGS) and (unknown or proper):
        # an inflected compound simplemma does not know: its last part's lemma (fylkesmannen)
        return _lemma_by_last_part(lower, langs) or lemma
    return lemma


def _lemma_by_last_part(word: str, langs: tuple[str, ...]) -> str | None:
    """A compound's lemma from its last part's, when the last part is an inflected word simplemma knows."""
    import simplemma

    split = _compound_split(word, langs)
    if split:
        head = lemmatize(split[1], langs)
        # (a noun's lemma is not longer than its form: opplæring|sloven → slovenar is a wrong split)
        if head != split[1] and len(head) <= len(split[1]) and simplemma.is_known(head, lang=langs):
            return split[0] + head
    return None


def _headword(lemma: str, form: str, langs: tuple[str, ...]) -> str:
    """The dictionary headword for simplemma's lemma of ``form``. simplemma's Nynorsk data gives many verbs
    as a-infinitives (invitera, sørgja) where Nynorskordboka's headword is the e-infinitive (invitere, sørgje):
    an a-lemma whose e-form simplemma maps to it is that verb. A Nynorsk -ing noun is its own headword, not
    the definite form simplemma sometimes gives (vaksinering → vaksineringa). The bare stem of an -ere verb
    is its imperative, rare in running text; a noun of the same letters is far likelier (rapporter →
    rapport, vaksiner → vaksine, not rapportere)."""
    import simplemma

    if lemma.endswith("a") and len(lemma) >= 4:
        if lemma.endswith("inga") and form.endswith("ing"):
            return form
        if (any(simplemma.lemmatize(lemma[:-1] + end, lang=langs).lower() == lemma for end in ("e", "er"))
                and not simplemma.is_known(lemma + "en", lang=langs)):  # (kollega: kollegaen is a noun's)
            lemma = lemma[:-1] + "e"
            if lemma == form and form.endswith(("te", "de")) and simplemma.is_known(form[:-2] + "e", lang=langs):
                lemma = form[:-2] + "e"  # a past tense given as its own a-lemma: evaluerte (evaluerta) → evaluere
    if lemma.endswith("ere") and lemma == form + "e":
        for noun in (form[:-2], form[:-1]):
            if _is_noun_base(noun, langs):
                return noun
    return lemma


@functools.lru_cache(maxsize=100_000)
def _is_noun_base(word: str, langs: tuple[str, ...]) -> bool:
    """Whether simplemma takes ``word`` for the base form of a noun or adjective: its definite form (-en) or
    its neuter (-t, for a word not in -e: åpnet is a verb's) has ``word`` as its lemma (delen → del, lågt → låg)."""
    import simplemma

    if len(word) < 3:
        return False
    tries = (word + "n", word + "ne") if word.endswith("e") else (word + "en", word + "t")
    return any(simplemma.is_known(t, lang=langs) and simplemma.lemmatize(t, lang=langs).lower() == word
               for t in tries)


def _is_verb_stem(stem: str, langs: tuple[str, ...]) -> bool:
    """Whether stem + e (or a) is a verb simplemma knows (øk → øke, auk → auke)."""
    import simplemma

    return any(simplemma.is_known(stem + end, lang=langs) for end in ("e", "a"))


@functools.lru_cache(maxsize=100_000)
def _compound_split(word: str, langs: tuple[str, ...]) -> tuple[str, str] | None:
    """(first part, last part) of a compound whose parts simplemma knows: the shortest first part (three
    letters or more, a known word, or one with a linking s or e) before a known last part of five or more
    (fylkes|mannen, ungdoms|rådet)."""
    import simplemma

    for k in range(4, len(word) - 4):
        first, last = word[:k], word[k:]
        if not simplemma.is_known(last, lang=langs):
            continue
        if simplemma.is_known(first, lang=langs) or (first[-1] in "se" and len(first) > 3
                                                      and simplemma.is_known(first[:-1], lang=langs)):
            return first, last
    return None


def _agent_noun(lower: str) -> str | None:
    """The singular of an agent noun or of a compound ending in one (barnevernlederne → barnevernleder).
    A form that is also a verb's present tense (samarbeider, veileder) is left to simplemma and the
    context rules, as is the bare noun ('leder' = leads)."""
    import simplemma

    for noun in AGENT_NOUNS:
        at = lower.rfind(noun)
        if at < 0 or (at == 0 and lower == noun):
            continue
        ending = lower[at + len(noun):]
        if ending not in AGENT_ENDINGS:
            continue
        singular = lower[:at + len(noun)]
        if ending == "" and simplemma.is_known(singular[:-2] + "e", lang=LANGS):
            return None  # a verb too: samarbeider (samarbeide), veileder (veilede)
        return singular
    return None


def document_languages(strings: list[str], counts) -> tuple[str, ...]:
    """simplemma's language order for a document: Nynorsk first when its tokens hold more words only Nynorsk
    uses than words only Bokmål uses (``counts``: each string's number of tokens)."""
    nn = sum(int(n) for s, n in zip(strings, counts) if s in NN_ONLY)
    nb = sum(int(n) for s, n in zip(strings, counts) if s in NB_ONLY)
    return ("nn", "nb") if nn > nb else ("nb", "nn")


def context_lemmas(forms: list[str], token_forms: np.ndarray, lemmas: list[str], langs: tuple[str, ...]
                   ) -> dict[int, str]:
    """Lemmas that depend on the words around a token: position → lemma, for the tokens of one document
    (``forms``: its distinct lower-cased forms, ``token_forms``: each token's form id in order, ``lemmas``:
    each form's lemma out of context).

    - a form in -et that is both a definite noun and a verb form (arbeidet, samarbeidet) is the noun,
      unless an auxiliary or a subject pronoun stands right before it (har arbeidet, vi samarbeidet);
    - an agent noun that is also a verb form (leder, lærer, styrer) is the noun unless a subject pronoun
      or 'som' stands before it (hun leder → lede);
    - the first part of a coordinated compound ('helse-' in 'helse- og omsorgstjenester') gets the whole
      compound it stands for (helsetjeneste): its own part and the last known part of the compound after
      the conjunction;
    - right after the infinitive mark or a modal verb (å trygge, skal klare, skal dei klare) a verb's
      infinitive is its own headword, not the adjective or noun of the same letters (trygg, klar);
    - right after an article or a preposition a word that is a noun's or adjective's base form is that
      noun or adjective, not a verb form of the same letters (ein del → del, med låg inntekt → låg);
    - right after the perfect's auxiliary a past participle in -t is the verb's (har søkt → søke, har
      gjennomført → gjennomføre), where simplemma keeps it as an adjective.
    """
    kinds: dict[int, tuple[str, str | None]] = {}  # form id → (rule, the noun for -et forms)
    cue = np.zeros(len(forms), np.int8)  # see _CUE_OF
    for k, form in enumerate(forms):
        c = _CUE_OF.get(form)
        if c is not None:
            cue[k] = c
        elif form.endswith("et") and len(form) > 4:
            if _et_noun(form, lemmas[k], langs):
                kinds[k] = ("et", form[:-2])
        elif form in AGENT_NOUNS:
            kinds[k] = ("agent", form)
        elif form.endswith("-") and len(form) > 2:
            kinds[k] = ("part", None)
    found: dict[int, str] = {}
    if len(token_forms) > 1:
        _base_forms_after_cues(forms, token_forms, lemmas, langs, cue, found)
    if not kinds:
        return found
    candidate = np.zeros(len(forms), bool)
    candidate[list(kinds)] = True
    for i in np.flatnonzero(candidate[token_forms]).tolist():
        k = int(token_forms[i])
        rule, noun = kinds[k]
        lemma = lemmas[k]
        before = forms[token_forms[i - 1]] if i else ""
        if rule == "part":
            if i + 2 < len(token_forms) and forms[token_forms[i + 1]] in COMPOUND_CONJUNCTIONS:
                whole = _compound_of(forms[k][:-1], lemmas[token_forms[i + 2]], langs)
                if whole:
                    found[i] = whole
        elif before in VERB_CUES and not (rule == "et" and lemma == noun and before not in AUXILIARIES):
            # (an -et form simplemma reads as the noun is a verb only after an auxiliary: «som barnet
            # trenger» is the noun)
            stem = noun[:-2] if rule == "agent" else noun
            verb = lemma if (rule == "et" and lemma != noun) else _verb_of(stem, langs)
            if verb and verb != lemma:
                found[i] = verb
        elif (rule == "et" and lemma != noun and i and before.endswith(("en", "et", "a", "ene", "ane"))
              and lemmas[token_forms[i - 1]] != before and _masculine(noun, langs)):
            pass  # «prosjektet startet»: after a definite noun, the -et form of a masculine noun is the verb
        elif lemma != noun:
            found[i] = noun
    return found


#: The word classes that context_lemmas looks behind a word for: 1 the infinitive mark or a modal verb, 2 an
#: article or a preposition, 3 a word that may stand between a modal verb and its infinitive, 4 ha in the perfect.
_CUE_OF = {**{w: 4 for w in PERFECT_AUXILIARIES}, **{w: 3 for w in BETWEEN_MODAL_AND_VERB}, **{w: 2 for w in NOUN_CUES},
           **{w: 1 for w in INFINITIVE_CUES}}


def _base_forms_after_cues(forms: list[str], token_forms: np.ndarray, lemmas: list[str], langs: tuple[str, ...],
                           cue: np.ndarray, found: dict[int, str]) -> None:
    """The infinitive and article/preposition rules of :func:`context_lemmas`, into ``found`` (``cue``: each
    form's class in _CUE_OF, 0 for none). Each distinct form after a cue is judged once, and only if its
    lemma out of context is not the form itself."""
    token_cue = cue[token_forms]
    after_verb_cue = np.zeros(len(token_forms), bool)
    after_verb_cue[1:] = token_cue[:-1] == 1
    # «skal dei klare»: a pronoun or an adverb between the modal and the infinitive
    after_verb_cue[2:] |= (token_cue[1:-1] == 3) & (token_cue[:-2] == 1)
    after_noun_cue = np.zeros(len(token_forms), bool)
    after_noun_cue[1:] = token_cue[:-1] == 2
    after_auxiliary = np.zeros(len(token_forms), bool)
    after_auxiliary[1:] = token_cue[:-1] == 4  # the perfect's auxiliary: «er lett» is the adjective
    for positions, rule in ((after_verb_cue, 1), (after_noun_cue, 2), (after_auxiliary, 4)):
        keep: dict[int, str] = {}
        for k in np.unique(token_forms[positions]).tolist():
            form, lemma = forms[k], lemmas[k]
            if rule == 1:  # an infinitive (in -e or -a) that simplemma took for another word
                if lemma != form and form[-1:] in ("e", "a") and _is_infinitive(form, langs):
                    keep[k] = form
            elif rule == 2:  # a noun or adjective that simplemma took for a verb: its lemma an infinitive
                # longer than the form (del → dele, låg → liggja; not gode → god, minst → liten)
                if (len(lemma) > len(form) and lemma[-1:] in ("e", "a") and not form.startswith(lemma)
                        and _is_noun_base(form, langs)):
                    keep[k] = form
            elif lemma == form and form[-1:] == "t" and len(form) > 3:
                # a past participle in -t that simplemma keeps as an adjective (har søkt, har gjennomført);
                # not a noun (har lyst)
                verb = form[:-1] + "e"
                if _is_infinitive(verb, langs) and not _is_noun_base(form, langs):
                    keep[k] = verb
        if keep:
            mark = np.zeros(len(forms), bool)
            mark[list(keep)] = True
            for i in np.flatnonzero(positions & mark[token_forms]).tolist():
                found[i] = keep[int(token_forms[i])]


@functools.lru_cache(maxsize=100_000)
def _is_infinitive(form: str, langs: tuple[str, ...]) -> bool:
    """Whether a form is a verb's infinitive: it ends in -e or -a and its present tense (-r, Nynorsk -ar)
    has it as lemma (klare: klarer → klare; trygge: trygger → trygge)."""
    import simplemma

    if len(form) < 4 or form[-1] not in "ea" or not simplemma.is_known(form, lang=langs):
        return False

    tries = (form + "r", form[:-1] + "ar") if form[-1] == "e" else (form + "r",)
    # (simplemma's own lemma: our agent-noun rule reads «arbeider» as the noun)
    return any(simplemma.lemmatize(t, lang=langs).lower() in (form, form[:-1] + "e", form[:-1] + "a")
               for t in tries)


@functools.lru_cache(maxsize=100_000)  # asked for every -et form of every document
def _et_noun(form: str, lemma: str, langs: tuple[str, ...]) -> bool:
    """Whether an -et form may be a definite noun: its stem is a noun's base form, or, for a compound
    simplemma does not know (folkehelsearbeidet), its last part's stem is."""
    stem = form[:-2]
    compound = len(form) >= 9 and lemma != stem and not _known(form, langs)
    return _noun_stem(stem, langs, compound)


@functools.lru_cache(maxsize=100_000)
def _masculine(stem: str, langs: tuple[str, ...]) -> bool:
    """Whether simplemma knows a definite form in -en of the noun ``stem`` (starten): its -et form is then
    more likely a verb's (startet), though some nouns are both (kursen, kurset)."""
    import simplemma

    return simplemma.is_known(stem + "en", lang=langs) and simplemma.lemmatize(stem + "en", lang=langs) == stem


@functools.lru_cache(maxsize=100_000)
def _noun_stem(stem: str, langs: tuple[str, ...], compound: bool = False) -> bool:
    """Whether a stem is a noun in its base form (arbeid for arbeidet); with ``compound``, also a compound
    simplemma does not know whose last part is one (folkehelse|arbeid for folkehelsearbeidet)."""
    import simplemma

    if simplemma.is_known(stem, lang=langs):
        return simplemma.lemmatize(stem, lang=langs) == stem
    if not compound:
        return False
    for k in range(4, len(stem) - 2):  # the longest known last part of three letters or more
        first, last = stem[:k], stem[k:]
        if _known(first, langs) or (first[-1] in "se" and _known(first[:-1], langs)):
            if _noun_stem(last, langs):
                return True
    return False


def _known(word: str, langs: tuple[str, ...]) -> bool:
    import simplemma

    return len(word) >= 3 and simplemma.is_known(word, lang=langs)


def _verb_of(stem: str, langs: tuple[str, ...]) -> str | None:
    """The infinitive made from a stem (arbeid → arbeide, led → lede), when simplemma knows it."""
    import simplemma

    for candidate in (stem + "e", stem + "a"):
        if simplemma.is_known(candidate, lang=langs):
            return simplemma.lemmatize(candidate, lang=langs).lower()
    return None


@functools.lru_cache(maxsize=100_000)  # asked for every coordinated first part of every document
def _compound_of(first: str, last_lemma: str, langs: tuple[str, ...]) -> str | None:
    """The compound a coordinated first part stands for: the part + the head of the lemma after the
    conjunction (helse + omsorgstjeneste → helsetjeneste). The head is found at the last place where the
    lemma splits into two known words (the first may end in a linking s or e): omsorgs|tjeneste,
    kriminalitets|forebyggende, skolehelse|tjeneste."""
    import simplemma

    def known(word: str) -> bool:
        return len(word) >= 3 and simplemma.is_known(word, lang=langs)

    def part(word: str, depth: int = 1) -> bool:  # a known word, with a linking s/e, or two such words
        if len(word) >= (4 if depth else 5) and (known(word) or (word[-1:] in ("s", "e") and known(word[:-1]))):
            return True
        return depth > 0 and any(part(word[:k], 0) and part(word[k:], 0) for k in range(5, len(word) - 4))

    for split in range(len(last_lemma) - 5, 3, -1):  # heads of five letters or more
        prefix, head = last_lemma[:split], last_lemma[split:]
        if known(head) and part(prefix):
            # a known word two or three letters longer is the head, not the word inside it
            # (skulehelse|teneste, not skulehelsete|neste)
            # (two or three letters longer: one more letter is a linking s or e, omsorg|sleder for omsorgs|leder)
            longer = [k for k in range(split - 3, split - 1)
                      if k > 3 and known(last_lemma[k:]) and part(last_lemma[:k])]
            return first + last_lemma[min(longer):] if longer else first + head
    return None


def _register_components():
    """Register the spaCy component that lemmatizes with simplemma (the codebook component is registered
    by casestudy.analyses.spacy_component, found by spaCy through the package's entry point)."""
    from spacy.language import Language

    if "simplemma_lemmatizer" in Language.factories:
        return

    @Language.factory("simplemma_lemmatizer", assigns=["token.lemma"])
    def make_lemmatizer(nlp, name):
        return _lemmatize_doc


def _lemmatize_doc(doc):
    """The ``simplemma_lemmatizer`` component: the lemmas the built-in path gives, the Doc taken as one
    document (its language order, then the context rules; whitespace tokens are not context)."""
    words = [token for token in doc if not token.is_space]
    forms = [token.lower_ for token in words]
    distinct = list(dict.fromkeys(forms))
    number = {form: k for k, form in enumerate(distinct)}
    token_forms = np.array([number[form] for form in forms], np.int64)
    langs = document_languages(distinct, np.bincount(token_forms, minlength=len(distinct)))
    lemmas = [lemmatize(form, langs) for form in distinct]
    context = context_lemmas(distinct, token_forms, lemmas, langs)
    for i, token in enumerate(words):
        token.lemma_ = context.get(i, lemmas[token_forms[i]])
    for token in doc:
        if token.is_space:
            token.lemma_ = token.lower_
    return doc


@functools.lru_cache(maxsize=4)
def get_nlp(model: str | None = None):
    """The Norwegian pipeline, loaded once per process: tokenizer, sentences, lemmas."""
    import spacy
    from spacy.symbols import ORTH

    _register_components()
    if model:
        try:
            return spacy.load(model)
        except OSError:
            raise CasestudyError(
                f"spaCy model '{model}' is not installed; leave out --model to use the built-in nb pipeline"
            ) from None
    nlp = spacy.blank("nb")
    for abbreviation in ABBREVIATIONS:
        nlp.tokenizer.add_special_case(abbreviation, [{ORTH: abbreviation}])
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("simplemma_lemmatizer")
    return nlp


@functools.lru_cache(maxsize=8)
def pipeline_fingerprint(model: str | None = None) -> str:
    """What the tokens depend on: our version, spaCy's, simplemma's and the model name (looked up once
    per process: reading a package's version takes milliseconds, and a cached file asks for it)."""
    from importlib.metadata import version

    return "|".join([PIPELINE_VERSION, version("spacy"), version("simplemma"), model or "blank-nb"])


@dataclass(slots=True)
class TokenTable:
    """The tokens of one document as parallel arrays; strings are ids into ``strings``.

    ``start``/``end`` are character offsets in the segment's text, so a slice of the
    segment gives back the token as it stood in the source.
    """

    strings: list[str]
    segment: np.ndarray  # int32, index of the segment
    sent: np.ndarray  # int32, sentence number within the segment
    start: np.ndarray  # int32
    end: np.ndarray  # int32
    lower: np.ndarray  # int32 ids
    lemma: np.ndarray  # int32 ids
    flags: np.ndarray  # uint8 bits: ALPHA, NUM, PUNCT

    def __len__(self) -> int:
        return len(self.start)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays, for a file without pickle; the strings as one UTF-8 text and their lengths."""
        fields = {n: getattr(self, n) for n in ("segment", "sent", "start", "end", "lower", "lemma", "flags")}
        fields["strings"] = np.frombuffer("".join(self.strings).encode("utf-8", "surrogatepass"), np.uint8)
        fields["string_lengths"] = np.fromiter(map(len, self.strings), np.int64, len(self.strings))
        return fields

    @classmethod
    def from_arrays(cls, arrays) -> TokenTable:
        text = arrays["strings"].tobytes().decode("utf-8", "surrogatepass")
        ends = np.cumsum(arrays["string_lengths"]).tolist()
        return cls(
            strings=[text[a:b] for a, b in zip([0] + ends[:-1], ends)],
            **{n: np.asarray(arrays[n]) for n in ("segment", "sent", "start", "end", "lower", "lemma", "flags")},
        )


def tokenize_segments(texts: list[str], model: str | None = None, batch_size: int = 256) -> TokenTable:
    """Tokenize, sentence-split and lemmatize the segment texts of one document.

    With the built-in pipeline only the tokenizer runs: sentences are computed on the
    token arrays by the sentencizer's rule, and lemmas are looked up once per distinct
    lower-cased form (the function the ``simplemma_lemmatizer`` component uses); this is
    several times faster than spaCy's per-token loops and gives the same result. A trained
    ``model`` runs whole and keeps its own sentences and lemmas.
    """
    if model is not None:
        return _tokenize_with_model(texts, model, batch_size)
    from spacy.attrs import IDX, ORTH

    nlp = get_nlp()
    tokenized = _tokenize_joined(nlp.tokenizer, texts)
    if tokenized is None:
        parts, lengths = [], []
        for text in texts:
            doc = nlp.tokenizer(text)
            lengths.append(len(doc))
            if len(doc):
                parts.append(doc.to_array([ORTH, IDX]))
        if not parts:
            return _empty_table()
        tokenized = np.concatenate(parts), np.repeat(np.arange(len(texts), dtype=np.int32), lengths)
    array, segment = tokenized
    # everything else is a property of the word type (spaCy's lexeme): looked up once per type
    orths, orth_ids = np.unique(array[:, 0], return_inverse=True)
    types = [_word_type(nlp, h) for h in orths.tolist()]
    lower = np.array([t[0] for t in types], np.uint64)[orth_ids]
    length = np.array([t[1] for t in types], np.int64)[orth_ids]
    kind = np.array([t[2] for t in types], np.uint8)[orth_ids]
    first = segment_starts(segment)
    sent_start = _sentence_rule(kind & _FINAL != 0, kind & _PUNCT_TYPE != 0, first, kind & _NUMBER_STOP != 0,
                                kind & _UPPER != 0)
    return _table(nlp, array[:, 1], length, lower, None, kind & _SPACE_TYPE != 0, kind & _PUNCT_TYPE != 0,
                  kind & _NUM_TYPE != 0, segment, sent_start, kind & _LETTERS != 0)


_SEPARATOR = "\n\n"


def _tokenize_joined(tokenizer, texts: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """(ORTH, IDX) per token and each token's segment, from one tokenizer call on the texts joined by a
    blank line: a third less time than a call per text, and the same tokens, as the tokenizer splits at
    whitespace first. None (tokenize one by one) unless every text is non-empty with no whitespace at
    either end and each separator came out as one token of its own."""
    from spacy.attrs import IDX, ORTH

    if len(texts) < 2 or not all(text and text == text.strip() for text in texts):
        return None
    lengths = np.array([len(text) for text in texts], np.uint64)
    starts = np.concatenate(([0], np.cumsum(lengths[:-1] + len(_SEPARATOR)))).astype(np.uint64)
    array = tokenizer(_SEPARATOR.join(texts)).to_array([ORTH, IDX])
    segment = np.searchsorted(starts, array[:, 1], side="right") - 1
    ends = starts + lengths
    separator = array[:, 1] >= ends[segment]
    if separator.sum() != len(texts) - 1 or not np.array_equal(array[separator, 1], ends[:-1]):
        return None
    array, segment = array[~separator], segment[~separator]
    array[:, 1] -= starts[segment]
    return array, segment.astype(np.int32)


# What a word type is, as bits: whitespace, punctuation, like a number, sentence-final (. ! ? …),
# has a letter (in its lower-cased form), a number with its full stop kept on («2024.», «§ 15-1.»: the nb
# tokenizer keeps an ordinal's dot), starts with a capital letter
_SPACE_TYPE, _PUNCT_TYPE, _NUM_TYPE, _FINAL, _LETTERS, _NUMBER_STOP, _UPPER = 1, 2, 4, 8, 16, 32, 64


def _word_type(nlp, orth: int) -> tuple[int, int, int]:
    """(hash of the lower-cased form, length, type bits) of a word type, kept per process."""
    found = _WORD_TYPES.get(orth)
    if found is None:
        lexeme = nlp.vocab[orth]
        bits = (_SPACE_TYPE * lexeme.is_space | _PUNCT_TYPE * lexeme.is_punct | _NUM_TYPE * lexeme.like_num
                | _FINAL * (lexeme.orth_ in _sentence_final_chars()) | _LETTERS * _has_letter(lexeme.lower_)
                | _NUMBER_STOP * _is_number_stop(lexeme.orth_) | _UPPER * lexeme.orth_[:1].isupper())
        found = _WORD_TYPES[orth] = (lexeme.lower, len(lexeme.orth_), bits)
    return found


def _is_number_stop(word: str) -> bool:
    """«2024.», «15-1.», «5.»: a number the tokenizer left its full stop on."""
    return len(word) > 1 and word.endswith(".") and word[-2].isdigit()


def _has_letter(word: str) -> bool:
    return any(c.isalpha() for c in word)


_WORD_TYPES: dict[int, tuple[int, int, int]] = {}


def _empty_table() -> TokenTable:
    empty = np.zeros(0, np.int32)
    return TokenTable([], empty, empty, empty, empty, empty, empty, np.zeros(0, np.uint8))


def _tokenize_with_model(texts: list[str], model: str, batch_size: int) -> TokenTable:
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LEMMA, LENGTH, LIKE_NUM, LOWER, SENT_START

    nlp = get_nlp(model)
    attrs = [LOWER, IDX, LENGTH, IS_SPACE, IS_PUNCT, LIKE_NUM, SENT_START, LEMMA]
    parts, seg_parts = [], []
    for index, doc in enumerate(nlp.pipe(texts, batch_size=batch_size)):
        if len(doc):
            parts.append(doc.to_array(attrs))
            seg_parts.append(np.full(len(doc), index, np.int32))
    if not parts:
        return _empty_table()
    array = np.concatenate(parts)
    return _table(nlp, array[:, 1], array[:, 2], array[:, 0], array[:, 7], array[:, 3] != 0, array[:, 4] != 0,
                  array[:, 5] != 0, np.concatenate(seg_parts), array[:, 6].astype(np.int64) == 1)


def _table(nlp, idx, length, lower, lemma, is_space, is_punct, like_num, segment, sent_start,
           letters=None) -> TokenTable:
    """The TokenTable of a document's tokens, given per token (whitespace tokens included): offsets,
    hashes of the lower-cased form and of the model's lemma (None: lemmas from :func:`lemmatize`),
    flags, segment index, sentence starts and whether the lower-cased form has a letter (None:
    found here)."""
    first = segment_starts(segment)
    # sentence number within each segment, counted before whitespace tokens are dropped (the
    # sentencizer may mark a whitespace token as a sentence's start)
    running = np.cumsum(sent_start | first)
    keep = ~is_space  # drop whitespace tokens
    idx, length, lower, segment, running = idx[keep], length[keep], lower[keep], segment[keep], running[keep]
    is_punct, like_num = is_punct[keep], like_num[keep]
    letters = None if letters is None else letters[keep]
    first = segment_starts(segment)
    sent = (running - running[np.flatnonzero(first)][np.cumsum(first) - 1]).astype(np.int32)
    strings_of = nlp.vocab.strings
    lower_hashes, lower_ids = np.unique(lower, return_inverse=True)
    lower_strings = [strings_of[int(h)] for h in lower_hashes]
    context: dict[int, str] = {}
    if lemma is None:
        langs = document_languages(lower_strings, np.bincount(lower_ids, minlength=len(lower_strings)))
        lemma_strings = [lemmatize(w, langs) for w in lower_strings]
        context = context_lemmas(lower_strings, lower_ids, lemma_strings, langs)
    else:  # a trained model's lemmas are per token: its first lemma of each form, and the tokens that differ
        token_lemmas = lemma[keep].tolist()
        lemma_of: dict[int, int] = {}
        for h, l in zip(lower.tolist(), token_lemmas):
            lemma_of.setdefault(h, l)
        lemma_strings = [(strings_of[int(lemma_of[int(h)])] or strings_of[int(h)]).lower() for h in lower_hashes]
        for i, (h, l) in enumerate(zip(lower.tolist(), token_lemmas)):
            if l != lemma_of[h]:
                context[i] = (strings_of[int(l)] or strings_of[int(h)]).lower()
    ids: dict[str, int] = {}
    strings: list[str] = []
    for w in lower_strings + lemma_strings + list(context.values()):
        if w not in ids:
            ids[w] = len(strings)
            strings.append(w)
    lower_map = np.array([ids[w] for w in lower_strings], np.int32)
    lemma_map = np.array([ids[w] for w in lemma_strings], np.int32)
    token_lemma = lemma_map[lower_ids].astype(np.int32)
    if context:
        token_lemma[list(context)] = [ids[w] for w in context.values()]
    if letters is None:
        letters = np.array([_has_letter(w) for w in lower_strings], bool)[lower_ids]
    start = idx.astype(np.int32)
    flags = (letters * ALPHA | like_num * NUM | is_punct * PUNCT).astype(np.uint8)
    return TokenTable(
        strings, segment.astype(np.int32), sent, start, (start + length).astype(np.int32),
        lower_map[lower_ids].astype(np.int32), token_lemma, flags,
    )


def segment_starts(segment: np.ndarray) -> np.ndarray:
    """For each token: is it its segment's first? (``segment`` holds each token's segment index, in order.)"""
    first = np.ones(len(segment), bool)
    first[1:] = segment[1:] != segment[:-1]
    return first


def _sentence_rule(final: np.ndarray, is_punct: np.ndarray, first: np.ndarray, number_stop: np.ndarray | None = None,
                   upper: np.ndarray | None = None) -> np.ndarray:
    """The sentencizer's rule on arrays: after a sentence-final character (. ! ? and the like), the
    next token that is neither punctuation nor such a character starts a sentence; so does each
    text's first token, and a capitalised word after a number that kept its full stop («… § 15-1.
    Planen …», «… i 2024. Det …»; an ordinal is followed by a small letter: «1. januar»)."""
    normal = ~final & ~is_punct
    n = len(final)
    index = np.arange(n)
    text_start = np.maximum.accumulate(np.where(first, index, 0))
    # the last "normal" token before each token, within its text (text start - 1 when none)
    marked = np.where(normal, index, -1)
    previous = np.concatenate(([-1], np.maximum.accumulate(marked)[:-1]))
    previous = np.maximum(previous, text_start - 1)
    finals_before = np.concatenate(([0], np.cumsum(final)))  # finals_before[i] = finals among tokens < i
    seen_final = finals_before[index] - finals_before[previous + 1] > 0
    starts = first | (normal & seen_final)
    if number_stop is not None and n:
        after_number = (previous >= text_start) & number_stop[np.maximum(previous, 0)]
        starts |= normal & upper & after_number
    return starts


@functools.lru_cache(maxsize=1)
def _sentence_final_chars() -> frozenset[str]:
    from spacy.pipeline import Sentencizer

    return frozenset(Sentencizer.default_punct_chars)


_COMMENT = re.compile(r"#.*$")


def load_stopwords(path: str | Path | None = None) -> frozenset[str]:
    """Stop words from a plain text file (one per line, '#' comments); default: the shipped nb list."""
    if path is None:
        text = resources.files("casestudy").joinpath("data/stopwords_nb.txt").read_text(encoding="utf-8")
    else:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CasestudyError(f"{path}: cannot read stop-word list ({exc}); give a UTF-8 text file") from None
    words = set()
    for line in text.splitlines():
        word = _COMMENT.sub("", line).strip().lower()
        if word:
            words.add(word)
    return frozenset(words)
