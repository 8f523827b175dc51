"""Every Norwegian word list and pattern of casestudy, in one place (Bokmål and Nynorsk).

A second language is a sibling module with the same names. Code elsewhere imports these
names and holds no Norwegian words of its own, so a researcher can see (and change) in one
file what the tool takes a word to mean.
"""

from __future__ import annotations

import re


ABBREVIATIONS = ["Jf.", "F.eks.", "Bl.a.", "Dvs.", "Ca.", "Evt.", "Pkt.", "Kap.", "Nr.", "Mht.", "Ifm.", "Iht."]


LEMMA_SUFFIX_RULES = (
    ("ene", ("e",)), ("ane", ("e", "")), ("ar", ("", "e")), ("er", ("", "e")),
    ("en", ("", "e")), ("et", ("",)), ("a", ("e", "")), ("s", ("",)),
)


LEMMA_PLURAL_RULES = (("ene", ("e",)), ("ane", ("e",)))


#: Words after which a line-final hyphen is a suspended compound ("barne- og familie…").
SUSPENSION_WORDS = frozenset({"og", "eller", "til", "samt", "enn", "som", "and", "or"})


#: The role given to an interviewer's turns that name no role of their own.
INTERVIEWER_ROLE = "intervjuer"

#: Labels that mean the interviewer (compared lower-cased, without the parenthesis).
DEFAULT_INTERVIEWER_LABELS = frozenset(
    {"intervjuer", "intervjuar", "i", "int", "interviewer", "forsker", "moderator", "spørsmål", "q"}
)


KIND_FOLDERS = {
    "plan": "plan", "plans": "plan", "planer": "plan", "plandokumenter": "plan",
    "interview": "interview", "interviews": "interview", "intervju": "interview",
    "intervjuer": "interview", "transcripts": "interview", "transkripsjoner": "interview",
}


#: Values of the 'kind' column, lower-cased, and the kind they mean.
KIND_VALUES = {"plan": "plan", "planer": "plan", "plandokument": "plan", "interview": "interview",
               "intervju": "interview", "intervjuer": "interview", "transcript": "interview",
               "transkripsjon": "interview"}


#: Words that negate a match when they stand up to three words before it in the same sentence.
NEGATORS = frozenset({"ikke", "ikkje", "aldri", "ingen", "inga", "ingenting", "intet", "uten", "utan", "mangle",
                      "mangler", "manglar", "verken", "hverken"})


DEFINITION_HEADINGS = re.compile(r"\b(begrep|begreper|begrepsavklaring|definisjon|definisjoner|ordforklaring"
                                 r"|omgrep|omgrepsavklaring|sentrale begrep)", re.IGNORECASE)


DEFINITION_SENTENCE = re.compile(r"\b(defineres|definerer|definert|forstås|forstår vi|vert definert|vert forstått|"
                                 r"med \w+ menes|med \w+ meiner vi|er definert som)\b", re.IGNORECASE)


#: Every match of DEFINITION_SENTENCE holds one of these (case-folded): a text without them is not searched.
DEFINITION_WORDS = ("defin", "forstå", "menes", "meiner vi")


NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+[A-ZÆØÅ«]")
#: The heading of a table of contents; the section under it is no evidence of anything.
TOC_HEADING = re.compile(r"^\s*(?:\d+\.?\s+)?(innhold|innhald|innholdsfortegnelse|innhaldsliste|innhaldsoversikt"
                         r"|innholdsoversikt|innholdsliste)\s*$", re.IGNORECASE)
#: A table-of-contents entry: dot leaders (or an ellipsis) before a page number.
TOC_LEADER = re.compile(r"(?:\.\s?){3,}\s*\d{1,3}\b|…+\s*\d{1,3}\b")
#: Table-of-contents entries run into one paragraph: «… Innledning 3 2 Bakgrunn 4 2.1 Målgrupper …».
TOC_RUN = re.compile(r"[a-zæøåA-ZÆØÅ)]\s+\d{1,3}\s+\d{1,2}(?:\.\d{1,2})*\.?\s+[A-ZÆØÅ]")


#: Features found with lemma patterns: field → {value: patterns}.
FEATURES: dict[str, dict[str, list[str]]] = {
    "prevention_levels": {
        "universell": ["universell*", "befolkningsrettet*", "universelt nivå"],
        "selektiv": ["selektiv*", "selektert*", "grupperettet*"],
        "indikativ": ["indikativ*", "indikert*", "individrettet*"],
        "primær/sekundær/tertiær": ["primærforebygging*", "sekundærforebygging*", "tertiærforebygging*",
                                    "primær forebygging", "sekundær forebygging", "tertiær forebygging"],
        "grønt/gult/rødt": ["grønt nivå", "gult nivå", "rødt nivå", "grønn sone", "gul sone", "rød sone"],
        "tiltakstrappa": ["tiltakstrapp*"],
        "forebyggingstrekanten": ["forebyggingstrekant*", "førebyggingstrekant*"],
    },
    # models: the children of the shipped codebook's 'models' code (analyses/profile.py), so the profile
    # and the coding find the same models
    "data_sources": {
        "Ungdata": ["ungdata*"],
        "oppvekstprofil": ["oppvekstprofil*", "oppveksprofil*"],
        "folkehelseprofil": ["folkehelseprofil*"],
        "KOSTRA": ["kostra*"],
        "SSB": ["ssb", "statistisk sentralbyrå"],
        "politiets statistikk": ["politiets statistikk", "politistatistikk*", "anmeldelse*", "straffesak*",
                                 "strasak*"],
    },
    "target_groups": {
        "gravide": ["gravid*"],
        "sped- og småbarn": ["spedbarn*", "småbarn*", "småbarnsforeldre*"],
        "barnehagebarn": ["barnehagebarn*", "barnehagealder*"],
        "skoleelever": ["elev*", "skolebarn*"],
        "ungdom": ["ungdom*", "unge"],
        "foreldre": ["forelder*", "foreldre*", "føresett*"],
        "unge voksne": ["unge voksne", "23 år"],
    },
    "revision": {
        "rulleres/revideres": ["rullere*", "rullering*", "revidere*", "revisjon*"],
        "evalueres": ["evaluere*", "evaluering*"],
        "årlig gjennomgang": ["årlig gjennomgang", "årleg gjennomgang", "årlig rapportering", "årleg rapportering"],
    },
}


CONCEPTS = {
    "omsorgssvikt": r"omsorgssvikt",
    "atferdsproblemer": r"(?:atferds|åtferds)(?:problem|vansk)\w*",
    "forebygging": r"(?:forebygging|førebygging)\w*",
    "tidlig innsats": r"(?:tidlig|tidleg) innsats",
}


#: After a concept at the start of a sentence (or after «Med»): up to two words, then a defining verb that is
#: not followed by a judgement («Forebygging er viktig» defines nothing).
DEFINES = (r"(?:\s+\w+){0,2}?\s+(?:er|betyr|tyder|defineres|definerer|definert|forstås|innebærer|handler om|"
           r"handlar om|vil si|vil seie|menes|meiner vi)\s+(?!viktig|viktigere|viktigare|nødvendig|naudsynt|avgjørende|"
           r"sentral|et felles|ein felles|en felles|alles|også|derfor|difor|særlig|særleg|spesielt|helt|svært|"
           r"høyt|høgt|lavt|lågt|stor|større|mindre|økende|aukande)\b")
#: Where a concept's definition may start: a sentence start, a paragraph start or «med»/«begrepet».
DEFINITION_START = r"(?:^|[.!?:]\s*|\bmed\s+|\bbegrepet\s+|\bomgrepet\s+)"




ADOPTED = re.compile(
    r"\b(?:vedtatt|vedteken|vedtatt av|behandlet|handsama)\s+(?:i|av)\s+kommunestyret\b[^.\n]{0,60}?"
    r"(\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}|\d{1,2}\.\s*[a-zæøå]+\s+\d{4})", re.IGNORECASE)


ADOPTED_ANY = re.compile(r"\b(?:vedtatt|vedteken)\s+(?:i|av)\s+kommunestyret\b", re.IGNORECASE)


#: A heading over an overview of measures (whole words: a title «Tiltaksplanar for …» is not one).
MEASURES_HEADING = re.compile(r"\b(tiltak|tiltaka|tiltakene|tiltaksoversikt\w*|tiltaksplan|tiltaksplanen|tiltaksdel\w*"
                              r"|handlingsdel|handlingsdelen|handlingsplan|handlingsplanen)\b", re.IGNORECASE)
#: Headings (or a first table column) that sort measures by area of effort or theme, not by level or service.
AREA_HEADING = re.compile(r"\b(innsatsområde|satsingsområde|satsningsområde|fokusområde|tema|område|mål)\w*",
                          re.IGNORECASE)
#: Words that make a sentence about target groups («målgruppen er …», «særlig rettet mot …»).
TARGET_CUES = ["målgruppe*", "målgruppa", "rettet mot", "retta mot", "særlig", "særleg", "spesielt", "prioritert*",
               "prioritere", "gjelder", "gjeld"]

#: Headings that name a prevention level or a service: a plan with three or more of one kind sorts its
#: measures by it (plan profile: measures_sorted_by).
LEVEL_HEADING = re.compile(r"\b(universell|selektiv|indikativ|indikert|grønt|gult|rødt)\w*", re.IGNORECASE)
SERVICE_HEADING = re.compile(r"\b(helsestasjon|barnehage|skole|ppt|nav|barneverntjeneste|barnevernet|kultur)\w*",
                             re.IGNORECASE)


# --- lemmas ------------------------------------------------------------------------------------------------------

#: Words only Nynorsk uses (lower case): a document with more of these than of NB_ONLY is lemmatized
#: Nynorsk first.
NN_ONLY = frozenset({"ikkje", "eg", "dei", "kva", "korleis", "kvifor", "mykje", "berre", "meir", "saman", "vert",
                     "vart", "ein", "eit", "kven", "noko", "nokon", "nokre", "fleire", "heilt", "utan", "òg", "sjå",
                     "tenesta", "tenester", "tenestene", "born", "borna", "føresette", "kommunane", "dessutan",
                     "difor", "gjer", "gjere", "seier", "kjem", "vere", "vore", "hjå", "sidan"})
NB_ONLY = frozenset({"ikke", "jeg", "hva", "hvordan", "hvorfor", "mye", "bare", "mer", "sammen", "blir", "ble",
                     "hvem", "noe", "noen", "flere", "helt", "uten", "også", "se", "tjenesten", "tjenester",
                     "tjenestene", "foresatte", "kommunene", "dessuten", "gjør", "gjøre",
                     "sier", "kommer", "være", "vært", "hos", "hvis"})

#: Words whose lemma is the word itself, whatever simplemma says (an adverb read as a comparative, say).
#: («vil» is only ever the present of ville, «går» the present of gå: simplemma's Nynorsk data gives the noun
#: vilje, and its Bokmål data leaves «går» as the adverb of «i går».)
LEMMA_EXCEPTIONS = {"vil": "ville", "går": "gå", "videre": "videre", "vidare": "vidare",
                    "fremst": "fremst", "framst": "framst",
                    "føresette": "føresett", "føresett": "føresett", "foresatte": "foresatt"}

#: Endings of present participles (Bokmål -ende, Nynorsk -ande), which are their own headwords.
PRESENT_PARTICIPLE = ("ende", "ande")

#: Agent nouns (a person who does something): a compound ending in one of them, in any of its forms, has
#: the agent noun's singular as its last part (barnevernlederne → barnevernleder), not a verb stem.
AGENT_NOUNS = ("leder", "leiar", "lærer", "lærar", "koordinator", "rådgiver", "rådgjevar", "veileder",
               "rettleiar", "saksbehandler", "sakshandsamar", "medarbeider", "medarbeidar", "styrer", "styrar",
               "ordfører", "ordførar", "arbeider", "arbeidar", "miljøarbeider", "miljøarbeidar")
#: The endings of an agent noun's inflected forms (Bokmål -e/-en/-ne, Nynorsk -ar/-en/-ane for -ar nouns).
AGENT_ENDINGS = ("", "e", "en", "ne", "ar", "en", "ane")

#: A word before an ambiguous -et or -er form that makes it a verb: an auxiliary or a subject pronoun
#: ("har arbeidet", "vi samarbeidet", "hun leder"); otherwise a definite noun or an agent noun is read.
VERB_CUES = frozenset({"har", "hadde", "ha", "hatt", "er", "var", "ble", "blitt", "vart", "vorte", "vore",
                       "blir", "bli", "vert", "verte", "være", "vere",
                       "vi", "me", "de", "dei", "jeg", "eg", "du", "han", "hun", "ho", "man", "dere", "som",
                       "ikke", "ikkje", "også", "òg"})

#: The auxiliaries among VERB_CUES: only after one of these is an -et form that simplemma reads as a noun
#: taken for the verb («har barnet» is rare; «som barnet trenger» is the noun).
AUXILIARIES = frozenset({"har", "hadde", "ha", "hatt", "er", "var", "ble", "blitt", "vart", "vorte", "vore",
                         "blir", "vert", "bli", "verte", "være", "vere"})

#: The perfect's auxiliary: a past participle in -t right after one is the verb's (har søkt → søke).
PERFECT_AUXILIARIES = frozenset({"har", "hadde", "ha", "hatt"})

#: The infinitive mark and the modal verbs: the word right after one (or after one and a word of
#: BETWEEN_MODAL_AND_VERB) is read as an infinitive where it can be one («å trygge», «skal dei klare»).
INFINITIVE_CUES = frozenset({"å", "skal", "skulle", "kan", "kunne", "må", "måtte", "vil", "ville", "bør", "burde"})
BETWEEN_MODAL_AND_VERB = frozenset({"vi", "me", "de", "dei", "jeg", "eg", "du", "han", "hun", "ho", "man", "ein",
                                    "dere", "ikke", "ikkje", "også", "òg", "alltid", "aldri", "derfor",
                                    "difor"})

#: Articles and prepositions: a word right after one is read as a noun or adjective where it can be one
#: («ein del», «med låg inntekt»). Not «det», «den», «de», «dei» (also subject pronouns before a verb) nor
#: «for», «om» (also conjunctions).
NOUN_CUES = frozenset({"en", "ei", "et", "ein", "eit", "i", "på", "av", "til", "med", "fra", "frå", "mot",
                       "under", "hos", "hjå", "ved", "gjennom", "mellom", "uten", "utan", "innen", "innan",
                       "blant", "etter", "over"})

#: Endings of inflected nouns: an unknown compound with one is lemmatized by its last part (fylkesmannen).
INFLECTED_ENDINGS = ("en", "et", "a", "ar", "ane", "ene", "er")

#: Conjunctions after the first part of a coordinated compound ("helse- og omsorgstjenester").
COMPOUND_CONJUNCTIONS = frozenset({"og", "eller", "samt", "og/eller"})

#: Counting lemmas: Nynorsk (and variant Bokmål) lemmas counted under one Bokmål form in word counts and
#: clouds; whole words first, then word endings (a compound ending in 'teneste' counts as '…tjeneste').
COUNT_VARIANTS = {"førebyggande": "forebyggende", "førebyggjande": "forebyggende", "føresett": "foresatt",
                  "born": "barn", "ikkje": "ikke", "mykje": "mye", "berre": "bare", "saman": "sammen",
                  "tidleg": "tidlig", "heil": "hel", "eigen": "egen", "fleire": "flere", "vere": "være",
                  "verte": "bli", "kome": "komme", "gje": "gi", "sjå": "se", "seie": "si", "gjere": "gjøre",
                  "vidare": "videre", "framst": "fremst", "tilsett": "ansatt", "ungdom": "ungdom",
                  "samarbeide": "samarbeide", "arbeide": "arbeide", "skule": "skole", "heim": "hjem"}
COUNT_SUFFIXES = (("teneste", "tjeneste"), ("leiar", "leder"), ("rettleiar", "veileder"), ("førebygging",
                  "forebygging"), ("førebyggande", "forebyggende"), ("førebyggjande", "forebyggende"),
                  ("skule", "skole"), ("tilbod", "tilbud"), ("arbeidar", "arbeider"), ("styrar", "styrer"),
                  ("lærar", "lærer"), ("rådgjevar", "rådgiver"), ("sakshandsamar", "saksbehandler"))

#: Strings that are not words to count: e-mail addresses, links, strings with digits (archive and case
#: numbers, dates), and strings with a slash or underscore (file names, paths).
NOT_WORDS = re.compile(r"[@\d/_]|www\.|https?:")
