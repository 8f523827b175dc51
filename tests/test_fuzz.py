"""Property-based fuzzing of the turn parser, the TXT/DOCX readers, the cleaner, the codebook loader and offsets.

The number of examples per test is CASESTUDY_FUZZ_EXAMPLES (default 200, so this file stays
well under a minute); ``make fuzz`` runs 10,000 per test.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from casestudy.text.clean import join_lines, normalize_text
from casestudy.codebook import CODE_KEYS, TOP_KEYS, Codebook, codebook_from_data, load_codebook, parse_yaml
from casestudy.analyses.coding import code_texts
from casestudy.analyses.matching import Matcher, compile_pattern
from casestudy.errors import CodebookError, ReaderError
from casestudy.text.nlp import ALPHA, tokenize_segments
from casestudy.sources.docx import read_docx
from casestudy.sources.text import read_text
from casestudy.sources.turns import match_label, segments_from_paragraphs
from casestudy.text.nb import DEFAULT_INTERVIEWER_LABELS

EXAMPLES = int(os.environ.get("CASESTUDY_FUZZ_EXAMPLES", "200"))
settings.register_profile(
    "casestudy-fuzz", max_examples=EXAMPLES, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
FUZZ = settings.get_profile("casestudy-fuzz")

# ---------------------------------------------------------------------------------------------------------------
# Text strategies
# ---------------------------------------------------------------------------------------------------------------

NORWEGIAN = ["barnevernet", "kjernebarnevernets", "forebygging", "Forebyggende", "tidlig", "innsats", "NAV-kontoret",
             "f.eks.", "jf.", "§", "15-1", "2024–2027", "helsestasjonen", "Øya", "særlig", "på", "får", "ÆØÅ",
             "a\u030a", "e\u0301n", "ﬁnne", "fore-", "\ufffebygging", "barne-", "og", "ikke", "‐", "\u00ad"]
EMOJI = ["👩‍👧", "🇳🇴", "👍🏽", "❤️", "🙂"]
SPACES = [" ", " ", " ", "  ", "\t", "\u00a0", "\u2009", "\u3000"]
#: Printable text: no control, private-use, unassigned or surrogate code points (what a real file holds).
PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"))
#: Anything Python can hold in a str, lone surrogates and controls included.
ANY_CHAR = st.characters(blacklist_categories=())
#: A piece of text a transcript or plan might hold, or something unexpected.
piece = st.one_of(st.sampled_from(NORWEGIAN), st.sampled_from(EMOJI), st.text(PRINTABLE, min_size=1, max_size=8),
                  st.sampled_from(list(".,;!?()«»\"'-–")))


def _text(pieces, spaces=SPACES):
    return st.lists(st.tuples(pieces, st.sampled_from(spaces)), max_size=12).map(
        lambda parts: "".join(p + s for p, s in parts))


words_text = _text(piece)
no_colon_text = _text(piece.map(lambda s: s.replace(":", "").replace("\uff1a", ""))).map(lambda s: s.replace(":", ""))

LABELS = ["Intervjuer", "I", "Informant", "Informant (barnevernleder)", "[00:01:12] Intervjuer", "Rektor",
          "Helsesøster Kari", "Informant 2", "Q", "Koordinator (helse og omsorg)", "(00:12) Informant"]


def _speaker(label):
    """(speaker, role) the parser should give for one of LABELS."""
    found = match_label(f"{label}: x")
    assert found is not None and found[2] == "x", label
    return found[0], found[1]


#: A transcript paragraph: ("label", label, body) or ("plain", text without a colon).
paragraph = st.one_of(
    st.tuples(st.just("label"), st.sampled_from(LABELS), words_text),
    st.tuples(st.just("plain"), no_colon_text),
)


def expected_segments(items, labels=DEFAULT_INTERVIEWER_LABELS):
    """The segments a correct parser gives for generated paragraphs: (turn, speaker, role, interviewer, text)."""
    labels = {l.lower() for l in labels}
    out, turn, speaker, role, interviewer = [], None, None, None, False
    for item in items:
        if item[0] == "label":
            speaker, role = _speaker(item[1])
            turn = (turn or 0) + 1
            interviewer = speaker.lower() in labels
            role = role if role is not None or not interviewer else "intervjuer"
            body = item[2]
        else:
            body = item[1]
        text = normalize_text(body.replace("\r", " ").replace("\n", " "))
        if text:
            out.append((turn, speaker, role, interviewer, text))
    return out


def render(item, newline_in_body=True):
    if item[0] == "label":
        body = item[2] if newline_in_body else item[2].replace("\n", " ")
        return f"{item[1]}: {body}"
    return item[1] if newline_in_body else item[1].replace("\n", " ")


def as_tuples(segments):
    return [(s.turn, s.speaker, s.role, s.interviewer, s.text) for s in segments]


# ---------------------------------------------------------------------------------------------------------------
# Turn parser
# ---------------------------------------------------------------------------------------------------------------


@FUZZ
@given(st.lists(paragraph, max_size=15))
def test_turn_parser_keeps_every_paragraph_text_with_its_speaker(items):
    segments = segments_from_paragraphs([render(i) for i in items])
    assert as_tuples(segments) == expected_segments(items)
    assert [s.index for s in segments] == list(range(len(segments)))


@FUZZ
@given(st.lists(st.one_of(words_text, st.text(ANY_CHAR, max_size=40)), max_size=15))
def test_turn_parser_never_crashes_and_turns_never_go_back(paragraphs):
    segments = segments_from_paragraphs(paragraphs)
    assert len(segments) <= len(paragraphs)
    turns = [s.turn for s in segments]
    numbered = [t for t in turns if t is not None]
    assert numbered == sorted(numbered)
    if numbered:  # once a turn has begun, every later segment belongs to one
        assert all(t is not None for t in turns[turns.index(numbered[0]):])
    for s in segments:
        assert s.text and s.text == normalize_text(s.text) and "\n" not in s.text
    # a paragraph whose first line has no colon cannot be a label: its whole text is a segment, in order
    plain = [normalize_text(p.replace("\r", " ").replace("\n", " ")) for p in paragraphs
             if ":" not in p.partition("\n")[0]]
    texts = iter(s.text for s in segments)
    for text in filter(None, plain):
        assert any(t == text for t in texts), text


# ---------------------------------------------------------------------------------------------------------------
# TXT and DOCX readers
# ---------------------------------------------------------------------------------------------------------------

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252"]
#: Text a cp1252 file can hold without looking like UTF-8 or an old DOS code page.
CP1252_TEXT = st.text(st.sampled_from(list("abcdefghijklmnopqrstuvwxyzæøåéABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅ0123456789 ,."
                                           "?!()-–«»")), max_size=30)
cp1252_paragraph = st.one_of(st.tuples(st.just("label"), st.sampled_from(LABELS), CP1252_TEXT),
                             st.tuples(st.just("plain"), CP1252_TEXT))


def _write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


@FUZZ
@given(st.data())
def test_txt_reader_reads_one_turn_per_line_in_any_encoding(data):
    encoding = data.draw(st.sampled_from(ENCODINGS))
    items = data.draw(st.lists(cp1252_paragraph if encoding == "cp1252" else paragraph, min_size=1, max_size=12))
    newline = data.draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines = [render(i, newline_in_body=False).replace("\r", " ") for i in items]
    lines = [l for l in lines if l.strip()]
    assume(lines)
    data_ = newline.join(lines).encode(encoding)
    if encoding == "cp1252":  # bytes that are also valid UTF-8 ('Å«' = 'ū') are UTF-8: no reader can tell
        try:
            assume(data_.decode("utf-8") == newline.join(lines))
        except UnicodeDecodeError:
            pass
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), "t.txt", data_)
        expected = expected_segments([i for i in items if render(i, False).replace("\r", " ").strip()])
        if not expected:
            with pytest.raises(ReaderError):
                read_text(path)
            return
        segments, _ = read_text(path)
    assert as_tuples(segments) == expected


@FUZZ
@given(st.binary(max_size=300))
def test_txt_reader_on_arbitrary_bytes_gives_segments_or_a_reason(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), "t.txt", data)
        try:
            segments, _ = read_text(path)
        except ReaderError as exc:
            assert exc.reason and "\n" not in exc.reason
            return
    turns = [s.turn for s in segments if s.turn is not None]
    assert turns == sorted(turns)
    assert all(s.text == normalize_text(s.text) and s.text for s in segments)


_TEMPLATE: dict[str, bytes] = {}
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx_package(body: str) -> bytes:
    """A DOCX whose document body is ``body`` (WordprocessingML): python-docx's own package, with
    document.xml written here (fast)."""
    if not _TEMPLATE:
        import docx

        buffer = io.BytesIO()
        docx.Document().save(buffer)
        with zipfile.ZipFile(buffer) as archive:
            _TEMPLATE.update({n: archive.read(n) for n in archive.namelist()})
    xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W_NS}"><w:body>{body}' \
          "<w:sectPr/></w:body></w:document>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in _TEMPLATE.items():
            archive.writestr(name, xml.encode("utf-8") if name == "word/document.xml" else content)
    return buffer.getvalue()


def _docx_bytes(paragraphs) -> bytes:
    """A DOCX with one paragraph per text."""
    from xml.sax.saxutils import escape

    return _docx_package("".join(
        "<w:p>" + "".join(
            '<w:r><w:tab/></w:r>' if part == "\t" else f'<w:r><w:t xml:space="preserve">{escape(part)}</w:t></w:r>'
            for part in re.split("(\t)", text) if part) + "</w:p>"
        for text in paragraphs))


#: What a Word paragraph can hold: XML 1.0 characters (no controls, no U+FFFE/U+FFFF).
XML_SAFE = st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"))
docx_piece = st.one_of(st.sampled_from([w for w in NORWEGIAN if "\ufffe" not in w]), st.sampled_from(EMOJI),
                       st.text(XML_SAFE, min_size=1, max_size=6))
docx_paragraph = st.one_of(
    st.tuples(st.just("label"), st.sampled_from(LABELS), _text(docx_piece)),
    st.tuples(st.just("plain"), _text(docx_piece.map(lambda s: s.replace(":", "")))),
)


@FUZZ
@given(st.lists(docx_paragraph, min_size=1, max_size=10))
def test_docx_reader_keeps_every_paragraph_text_with_its_speaker(items):
    expected = expected_segments(items)
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), "t.docx", _docx_bytes([render(i, newline_in_body=False) for i in items]))
        segments = read_docx(path)
    assert as_tuples(segments) == expected


def _docx_table_bytes(rows) -> bytes:
    """A DOCX whose body is one table with the given rows of cell texts."""
    from xml.sax.saxutils import escape

    return _docx_package("<w:tbl>" + "".join(
        "<w:tr>" + "".join(f'<w:tc><w:p><w:r><w:t xml:space="preserve">{escape(c)}</w:t></w:r></w:p></w:tc>'
                           for c in row) + "</w:tr>" for row in rows) + "</w:tbl>")


cell_text = _text(docx_piece.map(lambda s: s.replace(":", "")))


@FUZZ
@given(st.lists(st.tuples(st.one_of(st.sampled_from(LABELS), cell_text), cell_text), min_size=1, max_size=8))
def test_docx_tables_keep_every_cell_text(rows):
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), "t.docx", _docx_table_bytes(rows))
        segments = read_docx(path)
    assert all(s.text and s.text == normalize_text(s.text) for s in segments)
    remaining = iter(segments)
    for first, second in rows:
        head, body = normalize_text(first), normalize_text(second)
        if head:  # the first cell is a segment of its own, or the speaker (and role) of the turn it starts
            def starts_turn(s):
                return bool(s.speaker) and s.speaker in head and s.text == body

            found = next(s for s in remaining if s.text == head or starts_turn(s))
            if starts_turn(found):
                continue
        if body:
            assert any(s.text == body for s in remaining), body


_GOOD_DOCX = None


@FUZZ
@given(st.data())
def test_docx_reader_on_damaged_files_gives_segments_or_a_reason(data):
    global _GOOD_DOCX
    if _GOOD_DOCX is None:
        _GOOD_DOCX = _docx_bytes(["Intervjuer: Hva gjør dere?", "Informant (leder): Vi samarbeider godt.", "Ja."])
    raw = bytearray(_GOOD_DOCX)
    mode = data.draw(st.sampled_from(["truncate", "flip", "cut", "member"]))
    if mode == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    elif mode == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    elif mode == "cut":
        start = data.draw(st.integers(0, len(raw) - 1))
        del raw[start: start + data.draw(st.integers(1, 500))]
    else:  # a well-formed ZIP whose document.xml is damaged
        with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
            members = {n: archive.read(n) for n in archive.namelist()}
        xml = bytearray(members["word/document.xml"])
        start = data.draw(st.integers(0, len(xml) - 1))
        xml[start: start + data.draw(st.integers(0, 40))] = data.draw(st.binary(max_size=40))
        members["word/document.xml"] = bytes(xml)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, content in members.items():
                archive.writestr(name, content)
        raw = bytearray(buffer.getvalue())
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), "t.docx", bytes(raw))
        try:
            segments = read_docx(path)
        except ReaderError as exc:
            assert exc.reason and "\n" not in exc.reason
            return
    assert all(s.text == normalize_text(s.text) and s.text for s in segments)


# ---------------------------------------------------------------------------------------------------------------
# Cleaner
# ---------------------------------------------------------------------------------------------------------------


def letters(text: str) -> list[str]:
    """The letters of a text, compared in compatibility-decomposed form (so 'å' = 'a'+ring, 'ﬁ' = 'fi')."""
    return [c for c in unicodedata.normalize("NFKD", text) if c.isalpha()]


HYPHENY = st.sampled_from(["-", "\ufffe", "\u00ad", "‐", "fore-", "barne-", "NAV-", "og", "eller", "\ufffebygging"])
line_text = _text(st.one_of(piece, HYPHENY, st.text(ANY_CHAR, min_size=1, max_size=4)))


@FUZZ
@given(st.one_of(st.text(ANY_CHAR, max_size=60), words_text, line_text))
def test_normalize_text_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    once.encode("utf-8")  # no lone surrogates left
    assert once == once.strip()


@FUZZ
@given(st.lists(line_text, max_size=8))
def test_join_lines_never_loses_a_letter(lines):
    joined = join_lines(lines)
    assert letters(joined) == letters(" ".join(lines))
    assert joined == normalize_text(joined)


@FUZZ
@given(st.lists(words_text.map(lambda s: re.sub("[\ufffe\u00ad\\-‐]", "", s)), max_size=8))
def test_join_lines_without_hyphens_is_a_plain_join(lines):
    stripped = [l.strip() for l in lines if l.strip()]
    assert join_lines(lines) == normalize_text(" ".join(stripped))


# ---------------------------------------------------------------------------------------------------------------
# Codebook loader
# ---------------------------------------------------------------------------------------------------------------

YAML_BITS = ["codes:", "\n", "  ", "- ", "id: ", "a", "b", "R1", "patterns: ", "[x, y]", "['*']", "regex: ",
             "['(a+)+']", "['[']", "children:", "label: ", "kind: checklist", "assessment:", "met: {min_score: 2}",
             "{", "}", "[", "]", ",", ":", "'", '"', "\t", "&a ", "*a", "!!python/object/apply:os.system ['x']",
             "!Tag ", "? ", "|", ">", "#", "%YAML 1.1\n", "---\n", "...", "~", "null", "true", "1e9", "0x1F",
             "2024-01-01", "æøå", "\x00", "\ufeff", "<<: ", "!!binary aGVp", "!!set {a, b}", "headings: ",
             "weight: ", "origin: inductive", "negation: drop", "exclude: [z]"]
yamlish = st.lists(st.sampled_from(YAML_BITS), max_size=40).map("".join)
key = st.one_of(st.sampled_from(sorted(CODE_KEYS | TOP_KEYS)), st.text(PRINTABLE, max_size=6), st.integers(-3, 3),
                st.booleans(), st.none())
scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(ANY_CHAR, max_size=10),
                   st.sampled_from(["x", "barn*", "*", "(a+)+", "[", "R1", "checklist", "drop", "deductive"]))
data_tree = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(key, inner, max_size=5)), max_leaves=25)
code_like = st.fixed_dictionaries({"id": st.sampled_from(["a", "b", "c", "R1", "1x"])},
                                  optional={k: data_tree for k in sorted(CODE_KEYS - {"id"})})
codebook_like = st.fixed_dictionaries({"codes": st.lists(code_like, max_size=4)},
                                      optional={k: data_tree for k in sorted(TOP_KEYS - {"codes"})})


def _load_text(text: str):
    """A Codebook or a CodebookError (returned); anything else propagates and fails the test."""
    try:
        book = codebook_from_data(parse_yaml(text, "cb.yaml"), "cb.yaml")
    except CodebookError as exc:
        assert str(exc).startswith("cb.yaml") and "\n" not in str(exc)
        return exc
    assert isinstance(book, Codebook)
    return book


@FUZZ
@given(st.one_of(yamlish, st.text(ANY_CHAR, max_size=80)))
def test_codebook_loader_on_yamlish_text_gives_a_codebook_or_a_codebook_error(text):
    _load_text(text)


@FUZZ
@given(st.one_of(codebook_like, data_tree))
def test_codebook_loader_on_random_structures_and_round_trip(data):
    try:
        text = yaml.safe_dump(data, allow_unicode=True)
    except yaml.YAMLError:
        assume(False)
    book = _load_text(text)
    if isinstance(book, Codebook):  # a valid codebook saves and loads back to the same codebook
        again = _load_text(book.to_yaml())
        assert isinstance(again, Codebook), again
        assert again.to_dict() == book.to_dict()


def test_codebook_loader_reads_files_with_any_bytes(tmp_path):
    for data in [b"\xff\xfe\x00", b"codes:\n  - id: a\n    patterns: [\xe6]\n", b"\xef\xbb\xbfcodes: []\n", b""]:
        path = tmp_path / "cb.yaml"
        path.write_bytes(data)
        with pytest.raises(CodebookError):
            load_codebook(path)


# ---------------------------------------------------------------------------------------------------------------
# Offsets: every match's text[start:end] is the matched word, for any Unicode text
# ---------------------------------------------------------------------------------------------------------------

offset_piece = st.one_of(st.sampled_from(NORWEGIAN), st.sampled_from(EMOJI), st.text(PRINTABLE, min_size=1, max_size=6),
                         st.sampled_from(["\u0301", "\u030a", "\u0308", "\u200d", "\ufe0f"]),  # loose combining marks
                         st.sampled_from(list(".,;:!?()«»\"'-–/")))
offset_text = _text(offset_piece, SPACES + ["\n"])


@FUZZ
@given(st.lists(offset_text, min_size=1, max_size=4), st.data())
def test_match_offsets_slice_out_the_matched_word(texts, data):
    tokens = tokenize_segments(texts)
    # the token table's offsets slice out each token's own text
    for i in range(len(tokens)):
        text = texts[tokens.segment[i]]
        assert 0 <= tokens.start[i] < tokens.end[i] <= len(text)
        assert text[tokens.start[i]:tokens.end[i]].lower() == tokens.strings[tokens.lower[i]]
    candidates = []
    for i in range(len(tokens)):
        word = texts[tokens.segment[i]][tokens.start[i]:tokens.end[i]]
        if not tokens.flags[i] & ALPHA or "*" in word or "?" in word:
            continue
        alone = tokenize_segments([word])
        scripts = {unicodedata.name(c, "?").split()[0] for c in word if c.isalpha()}
        # (a word mixing scripts is refused as a pattern: see test_hostile)
        if len(alone) == 1 and alone.strings[alone.lower[0]] == word.lower() and len(scripts) <= 1:
            candidates.append(i)
    assume(candidates)
    chosen = data.draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=3, unique=True))
    words = [texts[tokens.segment[i]][tokens.start[i]:tokens.end[i]] for i in chosen]
    book = codebook_from_data({"codes": [{"id": f"c{k}", "patterns": [w], "regex": [re.escape(w)]}
                                         for k, w in enumerate(words)]})
    matcher = Matcher(book)
    found = matcher.matches(tokens, texts)
    for code_id, seg, start, end, _, _ in found:
        word = words[int(code_id[1:])]
        piece_ = texts[seg][start:end]
        assert 0 <= start < end <= len(texts[seg])
        term = compile_pattern(word).terms[0]
        same = [i for i in range(len(tokens))
                if tokens.segment[i] == seg and tokens.start[i] == start and tokens.end[i] == end]
        # a pattern match is one token whose form or lemma is the word's, sliced out exactly
        lemma_match = bool(same) and bool(
            {tokens.strings[tokens.lower[same[0]]], tokens.strings[tokens.lemma[same[0]]]} & {term.lower, term.lemma})
        if lemma_match:
            assert piece_.lower() == tokens.strings[tokens.lower[same[0]]]
        else:  # a regex match (any position): exactly the word, up to case
            assert re.fullmatch(re.escape(word), piece_, re.IGNORECASE), (word, piece_)
    # the occurrence each word was drawn from is found, at exactly its offsets
    spans = {(c, seg, start, end) for c, seg, start, end, _, _ in found}
    for k, i in enumerate(chosen):
        key = (f"c{k}", int(tokens.segment[i]), int(tokens.start[i]), int(tokens.end[i]))
        assert key in spans
        assert texts[key[1]][key[2]:key[3]] == words[k]
    coded = code_texts(texts, book, matcher=matcher)
    for k, i in enumerate(chosen):
        assert f"c{k}" in coded[int(tokens.segment[i])]


# ---------------------------------------------------------------------------------------------------------------
# Sentences: the array rule is spaCy's sentencizer
# ---------------------------------------------------------------------------------------------------------------

# segments as readers give them, and with line breaks and spaces at either end
segment_text = st.tuples(st.sampled_from(["", " ", "\n", "  ", "\t"]), _text(piece, SPACES + ["\n", "\n\n", " \n"]),
                         st.sampled_from(["", " ", "\n", " \n "])).map("".join)


@FUZZ
@given(st.lists(segment_text, min_size=1, max_size=6))
def test_sentence_numbers_equal_spacys_sentencizer(texts):
    """Sentence numbers from the array rule equal those of spaCy's sentencizer, segment by segment."""
    from casestudy.text.nlp import get_nlp

    table = tokenize_segments(texts)
    nlp = get_nlp()
    expected = []
    for index, doc in enumerate(nlp.pipe(texts, disable=["simplemma_lemmatizer"])):
        sentence = -1
        for token in doc:
            if token.is_sent_start or token.i == 0:
                sentence += 1
            if not token.is_space:
                expected.append((index, sentence, token.idx))
    got = list(zip(table.segment.tolist(), table.sent.tolist(), table.start.tolist()))
    assert got == expected


# ---------------------------------------------------------------------------------------------------------------
# CSV: write_csv writes the bytes of pandas' to_csv
# ---------------------------------------------------------------------------------------------------------------

csv_string = st.one_of(st.none(), st.text(st.sampled_from(list('ab ,"\n\r\tæ\u2028;') + ["\u00a0"]), max_size=6))
csv_column = st.one_of(
    st.lists(csv_string, min_size=3, max_size=3).map(lambda v: pd.Series(v, dtype=object)),
    st.lists(csv_string, min_size=3, max_size=3).map(lambda v: pd.Series(v, dtype="string")),
    st.lists(st.integers(-10**12, 10**12), min_size=3, max_size=3).map(pd.Series),
    st.lists(st.one_of(st.none(), st.integers(-99, 99)), min_size=3, max_size=3).map(
        lambda v: pd.Series(v, dtype="Int64")),
    st.lists(st.booleans(), min_size=3, max_size=3).map(pd.Series),
    st.lists(st.one_of(st.none(), st.booleans()), min_size=3, max_size=3).map(lambda v: pd.Series(v, dtype="boolean")),
    st.lists(st.floats(width=64), min_size=3, max_size=3).map(pd.Series),
    st.lists(st.one_of(st.none(), st.floats(allow_nan=False)), min_size=3, max_size=3).map(
        lambda v: pd.Series(v, dtype="Float64")),
    st.lists(st.one_of(st.integers(0, 3), csv_string), min_size=3, max_size=3).map(lambda v: pd.Series(v, dtype=object)),
    st.lists(st.floats(width=32), min_size=3, max_size=3).map(lambda v: pd.Series(v, dtype="float32")),
)


@FUZZ
@given(st.lists(st.tuples(st.text(st.sampled_from(list('xy ,"\n')), max_size=3), csv_column), min_size=1, max_size=5,
                unique_by=lambda column: column[0]), st.integers(0, 3))
def test_write_csv_writes_the_bytes_of_pandas_to_csv(columns, rows):
    """The bytes of pandas' to_csv, but for the two documented differences: a text a spreadsheet would read
    as a formula is defused with an apostrophe, and a text with a carriage return is quoted (so a reader
    that splits lines at CR keeps the row whole). Whatever the writer, the cells read back are the frame's."""
    import csv
    import io

    from casestudy.output import files as outputs

    frame = pd.concat([series.rename(name) for name, series in columns], axis=1).head(rows)
    defused = frame.apply(lambda s: s.map(lambda v: outputs.defuse(v) if isinstance(v, str) else v)
                          if s.dtype.kind == "O" or isinstance(s.dtype, pd.StringDtype) else s)
    chunk, outputs._CSV_ROWS = outputs._CSV_ROWS, 2  # rows are formatted two at a time here
    try:
        with tempfile.TemporaryDirectory() as folder:
            written = outputs.write_csv(frame, Path(folder) / "t.csv").read_bytes().decode("utf-8")
    finally:
        outputs._CSV_ROWS = chunk
    expected = defused.to_csv(index=False, lineterminator="\n")
    if "\r" not in expected:
        assert written == expected
    quoted = defused.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_ALL)  # every row whole
    assert list(csv.reader(io.StringIO(written, newline=""))) == list(csv.reader(io.StringIO(quoted, newline="")))
