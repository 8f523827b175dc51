"""REFI-QDA exchange: .qdc codebooks and .qdpx projects, with exact character offsets."""

import re
import uuid
import xml.etree.ElementTree as ET
import zipfile

import pandas as pd
from pathlib import PurePosixPath

import pytest

from casestudy import read_corpus
from casestudy.codebook import codebook_from_data, parse_yaml
from casestudy.analyses.coding import code_corpus
from casestudy.errors import CasestudyError, CodebookError, UsageError
from casestudy.output.exchange import CODING_COLUMNS, export_qdc, export_qdpx, import_qdc, import_qdpx
from conftest import make_docx, make_pdf

P = "{urn:QDA-XML:project:1.0}"
C = "{urn:QDA-XML:codebook:1.0}"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

BOOK = codebook_from_data(parse_yaml("""
name: test
codes:
  - id: prevention
    label: Forebygging og tidlig innsats
    description: Tiltak før problemene blir store.
    patterns: [forebygging, "tidlig innsats"]
  - id: cooperation
    label: Samarbeid på tvers
    origin: inductive
    patterns: [samarbeid, samarbeide]
    children:
      - id: school
        label: Skole og barnehage
        description: |-
          Samarbeid med skole
          og barnehage.
        patterns: [skole, barnehage]
      - id: kindergarten
        label: Barnehage
        patterns: [barnehage]
  - id: help
    patterns: [hjelp]
"""))

# Child elements in the order the REFI-QDA 1.0 project schema's sequences require.
SEQUENCES = {
    "Project": ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs",
                "Description", "NoteRef"],
    "Code": ["Description", "NoteRef", "Code"],
    "Variable": ["Description"],
    "Case": ["Description", "CodeRef", "VariableValue", "SourceRef", "SelectionRef"],
    "TextSource": ["Description", "PlainTextContent", "PlainTextSelection", "Coding", "NoteRef", "VariableValue"],
    "PlainTextSelection": ["Description", "Coding", "NoteRef"],
    "Coding": ["CodeRef", "NoteRef"],
    "VariableValue": ["VariableRef", "TextValue"],
}


def local(element):
    return element.tag.rsplit("}", 1)[-1]


def in_schema_order(element):
    names = [local(child) for child in element]
    sequence = SEQUENCES[local(element)]
    assert set(names) <= set(sequence), (local(element), names)
    positions = [sequence.index(n) for n in names]
    return positions == sorted(positions)


# --- codebooks (.qdc) ----------------------------------------------------------------------------------------


def tree(codebook):
    def walk(codes):
        return [(c.label or c.id, c.description, walk(c.children)) for c in codes]

    return walk(codebook.codes)


def test_qdc_round_trip_keeps_tree_labels_and_descriptions(tmp_path):
    path = export_qdc(BOOK, tmp_path / "book.qdc")
    back = import_qdc(path)
    assert tree(back) == tree(BOOK)
    assert back.ids == ["forebygging_og_tidlig_innsats", "samarbeid_paa_tvers", "skole_og_barnehage", "barnehage",
                        "help"]
    assert back["samarbeid_paa_tvers"].patterns == ["samarbeid på tvers"]
    assert {c.origin for c in back.flat()} == {"inductive"}
    assert back.name == "book"
    # the imported codebook is a valid codebook: it saves as YAML and loads again
    assert codebook_from_data(parse_yaml(back.to_yaml())).ids == back.ids


def test_qdc_import_with_the_original_codebook_keeps_ids_and_patterns(tmp_path):
    path = export_qdc(BOOK, tmp_path / "book.qdc")
    back = import_qdc(path, codebook=BOOK)
    assert back.ids == BOOK.ids
    assert [(c.patterns, c.origin, c.label) for c in back.flat()] == [
        (c.patterns, c.origin, c.label or c.id) for c in BOOK.flat()]


@pytest.mark.parametrize("parts", [("code", "help"), ("selection", "a1", 0, 17), ("user", "æøå"), ("x",) * 30,
                                   ("coding", "0f", "prevention", "casestudy"), (12, None, 3.5)])
def test_guid_is_uuid5_of_the_joined_parts(parts):
    from casestudy.output.exchange._common import guid

    namespace = uuid.UUID("c7e4c4b2-8224-4e95-b301-6fec6fa5cb41")
    assert guid(*parts) == str(uuid.uuid5(namespace, "\x1f".join(map(str, parts))))
    # every value of the variant digit occurs among these
    assert all(guid(*parts, i) == str(uuid.uuid5(namespace, "\x1f".join(map(str, parts + (i,))))) for i in range(64))


def test_qdc_edited_elsewhere_matches_by_guid_then_label(tmp_path):
    """A code renamed in NVivo keeps its GUID, a code re-created by hand keeps its label."""
    path = export_qdc(BOOK, tmp_path / "book.qdc")
    text = path.read_text(encoding="utf-8")
    text = text.replace('name="Samarbeid på tvers"', 'name="Tverrfaglig samarbeid"')
    text = text.replace(str(uuid.uuid5(uuid.UUID("c7e4c4b2-8224-4e95-b301-6fec6fa5cb41"), "code\x1fhelp")),
                        "0b9c5a4e-1111-4222-8333-944455556666")
    path.write_text(text, encoding="utf-8")
    back = import_qdc(path, codebook=BOOK)
    assert back.ids == BOOK.ids
    assert back["cooperation"].label == "Tverrfaglig samarbeid"
    assert back["cooperation"].patterns == ["samarbeid", "samarbeide"]


def test_qdc_is_schema_shaped_and_byte_identical_across_runs(tmp_path):
    first = export_qdc(BOOK, tmp_path / "a.qdc").read_bytes()
    assert export_qdc(BOOK, tmp_path / "b.qdc").read_bytes() == first
    root = ET.fromstring(first)
    assert root.tag == C + "CodeBook"
    assert [local(e) for e in root] == ["Codes"]
    codes = list(root.iter(C + "Code"))
    assert len(codes) == 5
    for code in codes:
        assert GUID.match(code.get("guid")) and code.get("isCodable") == "true" and code.get("name")
        assert in_schema_order(code)
    assert len({c.get("guid") for c in codes}) == 5
    school = codes[2]
    assert school.get("name") == "Skole og barnehage"
    assert school.find(C + "Description").text == "Samarbeid med skole\nog barnehage."
    assert [c.get("name") for c in codes[1].findall(C + "Code")] == ["Skole og barnehage", "Barnehage"]


FOREIGN_QDC = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="NVivo 14">
  <Codes>
    <Code guid="11111111-1111-4111-8111-111111111111" name="Tidlig innsats (TI)" isCodable="false" color="#FF0000">
      <Description>  Innsats før det er for sent.  </Description>
      <Code guid="22222222-2222-4222-8222-222222222222" name="Annet" isCodable="true"/>
    </Code>
    <Code guid="33333333-3333-4333-8333-333333333333" name="Annet" isCodable="true"/>
    <Code guid="44444444-4444-4444-8444-444444444444" name="2024: Økonomi &amp; rammer" isCodable="true"/>
  </Codes>
  <Sets>
    <Set guid="55555555-5555-4555-8555-555555555555" name="Alle">
      <MemberCode guid="33333333-3333-4333-8333-333333333333"/>
    </Set>
  </Sets>
</CodeBook>
"""


def test_import_a_codebook_from_another_program(tmp_path):
    path = tmp_path / "nvivo.qdc"
    path.write_text(FOREIGN_QDC, encoding="utf-8")
    book = import_qdc(path, origin="deductive")
    assert book.ids == ["tidlig_innsats_ti", "annet", "annet_2", "code_2024_oekonomi_rammer"]
    assert [c.id for c in book.codes] == ["tidlig_innsats_ti", "annet_2", "code_2024_oekonomi_rammer"]
    first = book["tidlig_innsats_ti"]
    assert (first.label, first.description, first.patterns, first.origin) == (
        "Tidlig innsats (TI)", "Innsats før det er for sent.", ["tidlig innsats ti"], "deductive")
    assert book["code_2024_oekonomi_rammer"].patterns == ["2024 økonomi rammer"]
    assert codebook_from_data(parse_yaml(book.to_yaml())).ids == book.ids


@pytest.mark.parametrize("content, message", [
    ("<CodeBook><Codes><Code name='a'></CodeBook>", "not well-formed XML"),
    ("<Something/>", "root element is <Something>"),
    ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "has no codes"),
    ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="11111111-1111-4111-8111-111111111111" '
     'isCodable="true"/></Codes></CodeBook>', "a Code has no name"),
])
def test_import_qdc_errors_name_the_file(tmp_path, content, message):
    path = tmp_path / "bad.qdc"
    path.write_text(content, encoding="utf-8")
    with pytest.raises((CasestudyError, CodebookError)) as info:
        import_qdc(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_import_qdc_bad_origin_names_the_argument(tmp_path):
    path = export_qdc(BOOK, tmp_path / "book.qdc")
    with pytest.raises(UsageError, match="origin must be one of"):
        import_qdc(path, origin="theory")


# --- projects (.qdpx) ----------------------------------------------------------------------------------------


@pytest.fixture
def coded_corpus(tiny_corpus):
    """tiny_corpus plus a two-page plan and an interview whose coded words come after æ, ø and å."""
    make_pdf(tiny_corpus / "plans" / "østby.pdf", [
        ["# 1 Mål og særtrekk", "Barn og unge i Østby får hjelp tidlig.", "",
         "Samarbeid på tvers med skolen er viktig for å nå målene."],
        ["# 2 Tiltak", "Forebygging på tvers av tjenestene gir god hjelp i Ås og Ørsta."],
    ])
    make_docx(tiny_corpus / "interviews" / "østby_leder.docx", [
        "Intervjuer: Hva gjør dere?",
        "Informant (leder): Vi får til et godt samarbeid på tvers.",
        "Både barnehagen og skolen er med på forebyggingen, særlig i år.",
    ])
    with open(tiny_corpus / "cases.csv", "a", encoding="utf-8") as handle:
        handle.write("plans/østby.pdf,Østby,plan,,Nord,2,\n"
                     "interviews/østby_leder.docx,Østby,interview,leder,Nord,2,\n")
    corpus = read_corpus(tiny_corpus, jobs=1)
    coded = code_corpus(corpus, BOOK, unit="sentence")
    return corpus, coded


def segment_start(doc, segment):
    return sum(len(s.text) + 2 for s in doc.segments[:segment])


def exported_spans(corpus, coded):
    return {(row.document, segment_start(corpus[row.document], row.segment) + row.start,
             segment_start(corpus[row.document], row.segment) + row.end, row.code)
            for row in coded.itertuples()}


def read_project(path):
    with zipfile.ZipFile(path) as archive:
        root = ET.fromstring(archive.read("project.qde"))
        files = {name: archive.read(name) for name in archive.namelist()}
    return root, files


def test_every_selection_slices_the_coded_words_from_the_source_file(coded_corpus, tmp_path):
    corpus, coded = coded_corpus
    assert {"interviews/østby_leder.docx", "plans/østby.pdf"} <= set(coded["document"])
    assert len(corpus["plans/østby.pdf"].segments) >= 4  # a multi-segment document, two pages
    path = export_qdpx(corpus, coded, BOOK, tmp_path / "p.qdpx", span="match")
    root, files = read_project(path)
    named = {PurePosixPath(doc.id).name: doc for doc in corpus}
    expected = {}
    for row in coded.itertuples():
        doc = corpus[row.document]
        start = segment_start(doc, row.segment) + row.start
        expected.setdefault((doc.id, start, start + len(row.matched)), set()).add((row.code, row.matched))
    seen = set()
    non_ascii_before = 0
    for source in root.iter(P + "TextSource"):
        raw = files["Sources/" + source.get("plainTextPath").removeprefix("internal://")]
        assert not raw.startswith(b"\xef\xbb\xbf")  # no BOM: it would shift every position
        text = raw.decode("utf-8")
        assert text == named[source.get("name")].text
        for selection in source.findall(P + "PlainTextSelection"):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            wanted = expected[(named[source.get("name")].id, start, end)]
            assert {m for _, m in wanted} == {text[start:end]}
            seen.add((named[source.get("name")].id, start, end))
            if len(text[:start].encode("utf-8")) != start:
                non_ascii_before += 1
                # counted in bytes the selection would miss the word
                assert raw[start:end].decode("utf-8", "replace") != text[start:end]
    assert seen == set(expected)
    assert non_ascii_before >= 4  # positions after æ/ø/å are checked, not only ASCII prefixes


def test_round_trip_gives_the_same_codings(coded_corpus, tmp_path):
    corpus, coded = coded_corpus
    path = export_qdpx(corpus, coded, BOOK, tmp_path / "p.qdpx", span="match")
    codings, book = import_qdpx(path, codebook=BOOK)
    assert list(codings.columns) == CODING_COLUMNS
    ids = {PurePosixPath(doc.id).name: doc.id for doc in corpus}
    codings["document"] = codings["document"].map(ids)
    assert set(codings[["document", "start", "end", "code"]].itertuples(index=False, name=None)) == \
        exported_spans(corpus, coded)
    assert len(codings) == len(coded)
    assert set(codings["coder"]) == {"casestudy"}
    assert codings.attrs["warnings"] == []
    assert book.ids == BOOK.ids
    for row in codings.itertuples():
        assert row.text == corpus[row.document].text[row.start:row.end]
    # without the original codebook the codes are named after their labels
    plain, plain_book = import_qdpx(path)
    plain["document"] = plain["document"].map(ids)
    names = dict(zip(BOOK.ids, plain_book.ids))
    assert set(plain[["document", "start", "end", "code"]].itertuples(index=False, name=None)) == \
        {(d, s, e, names[c]) for d, s, e, c in exported_spans(corpus, coded)}


def test_a_word_with_two_codes_is_one_selection_with_two_codings(coded_corpus, tmp_path):
    corpus, coded = coded_corpus
    root, _ = read_project(export_qdpx(corpus, coded, BOOK, tmp_path / "p.qdpx", span="match"))
    guid_of = {c.get("name"): c.get("guid") for c in root.iter(P + "Code")}
    both = [s for s in root.iter(P + "PlainTextSelection") if s.get("name") == "barnehagen"]
    assert len(both) == 1
    assert [c.find(P + "CodeRef").get("targetGUID") for c in both[0].findall(P + "Coding")] == [
        guid_of["Skole og barnehage"], guid_of["Barnehage"]]


def test_project_follows_the_schema_structure_and_order(coded_corpus, tmp_path):
    corpus, coded = coded_corpus
    root, files = read_project(export_qdpx(corpus, coded, BOOK, tmp_path / "p.qdpx", users=("ana", "bo")))
    assert root.tag == P + "Project" and root.get("name") == "p"
    assert [local(e) for e in root] == ["Users", "CodeBook", "Variables", "Cases", "Sources", "Description"]
    for element in root.iter():
        if local(element) in SEQUENCES:
            assert in_schema_order(element), local(element)
    guids = [e.get("guid") for e in root.iter() if e.get("guid")]
    assert all(GUID.match(g) for g in guids) and len(guids) == len(set(guids))
    users = {u.get("guid"): u.get("name") for u in root.iter(P + "User")}
    assert list(users.values()) == ["ana", "bo"] and root.get("creatingUserGUID") in users
    codes = {c.get("guid") for c in root.iter(P + "Code")}
    sources = {s.get("guid") for s in root.iter(P + "TextSource")}
    variables = {v.get("guid"): v for v in root.iter(P + "Variable")}
    assert all(v.get("typeOfVariable") == "Text" and v.get("name") for v in variables.values())
    for ref in root.iter(P + "CodeRef"):
        assert ref.get("targetGUID") in codes
    for ref in root.iter(P + "SourceRef"):
        assert ref.get("targetGUID") in sources
    for value in root.iter(P + "VariableValue"):
        assert [local(e) for e in value] == ["VariableRef", "TextValue"]
        assert value[0].get("targetGUID") in variables
    for source in root.iter(P + "TextSource"):
        assert source.find(P + "PlainTextContent") is None  # either content or path, not both
        assert source.get("plainTextPath") == f"internal://{source.get('guid')}.txt"
        assert f"Sources/{source.get('guid')}.txt" in files
        for selection in source.findall(P + "PlainTextSelection"):
            assert 0 <= int(selection.get("startPosition")) < int(selection.get("endPosition"))
            assert selection.findall(P + "Coding")
            for coding in selection.findall(P + "Coding"):
                assert users[coding.get("creatingUser")] == "ana"
    assert sorted(files) == sorted(["project.qde"] + [f"Sources/{g}.txt" for g in sources])
    assert len(sources) == len(corpus) == 5


def test_cases_carry_case_attributes_and_sources_document_attributes(coded_corpus, tmp_path):
    corpus, coded = coded_corpus
    root, _ = read_project(export_qdpx(corpus, coded, BOOK, tmp_path / "p.qdpx"))
    names = {v.get("guid"): v.get("name") for v in root.iter(P + "Variable")}
    sources = {s.get("guid"): s.get("name") for s in root.iter(P + "TextSource")}

    def values(element):
        return {names[v[0].get("targetGUID")]: v[1].text for v in element.findall(P + "VariableValue")}

    assert sorted(names.values()) == ["kind", "region", "role", "size_class"]
    cases = {c.get("name"): c for c in root.iter(P + "Case")}
    assert sorted(cases) == ["Testby", "Østby"]
    assert values(cases["Østby"]) == {"region": "Nord", "size_class": "2"}
    assert values(cases["Testby"]) == {"region": "Vest", "size_class": "3"}
    assert sorted(sources[r.get("targetGUID")] for r in cases["Østby"].findall(P + "SourceRef")) == [
        "østby.pdf", "østby_leder.docx"]
    by_name = {s.get("name"): s for s in root.iter(P + "TextSource")}
    assert values(by_name["østby_leder.docx"]) == {"kind": "interview", "role": "leder"}
    assert values(by_name["østby.pdf"]) == {"kind": "plan"}


def test_same_input_gives_byte_identical_projects(coded_corpus, tmp_path):
    corpus, coded = coded_corpus
    first = export_qdpx(corpus, coded, BOOK, tmp_path / "a" / "p.qdpx").read_bytes()
    second = export_qdpx(corpus, coded.sample(frac=1, random_state=1), BOOK, tmp_path / "b" / "p.qdpx").read_bytes()
    assert first == second


def test_export_without_codings_still_has_sources_and_codebook(coded_corpus, tmp_path):
    corpus, _ = coded_corpus
    root, files = read_project(export_qdpx(corpus, None, BOOK, tmp_path / "p.qdpx"))
    assert len(list(root.iter(P + "TextSource"))) == 5 and len(list(root.iter(P + "Code"))) == 5
    assert not list(root.iter(P + "PlainTextSelection"))


def test_export_rejects_rows_that_do_not_fit_the_corpus(coded_corpus, tmp_path):
    corpus, coded = coded_corpus
    stale = coded.copy()
    stale.loc[0, "start"] += 1
    with pytest.raises(CasestudyError, match="code this corpus again"):
        export_qdpx(corpus, stale, BOOK, tmp_path / "p.qdpx")
    with pytest.raises(UsageError, match="not in the corpus"):
        export_qdpx(corpus, coded.assign(document="plans/other.pdf"), BOOK, tmp_path / "p.qdpx")
    with pytest.raises(UsageError, match="code 'nope', which is not in codebook 'test'"):
        export_qdpx(corpus, coded.assign(code="nope"), BOOK, tmp_path / "p.qdpx")
    with pytest.raises(UsageError, match="missing: segment"):
        export_qdpx(corpus, coded.drop(columns="segment"), BOOK, tmp_path / "p.qdpx")
    assert not (tmp_path / "p.qdpx").exists()


FOREIGN_QDE = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Felt" origin="MAXQDA 2024">
  <Users>
    <User guid="aaaaaaaa-0000-4000-8000-000000000001" name="Kari"/>
    <User guid="aaaaaaaa-0000-4000-8000-000000000002" id="OLA"/>
  </Users>
  <CodeBook><Codes>
    <Code guid="cccccccc-0000-4000-8000-000000000001" name="Samarbeid" isCodable="true">
      <Code guid="cccccccc-0000-4000-8000-000000000002" name="Skole" isCodable="true"/>
    </Code>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="bbbbbbbb-0000-4000-8000-000000000001" name="intervju 1">
      <PlainTextContent>Både skole og barnehage samarbeider.</PlainTextContent>
      <PlainTextSelection guid="dddddddd-0000-4000-8000-000000000001" startPosition="5" endPosition="10"
          creatingUser="aaaaaaaa-0000-4000-8000-000000000002">
        <Coding guid="eeeeeeee-0000-4000-8000-000000000001">
          <CodeRef targetGUID="cccccccc-0000-4000-8000-000000000002"/>
        </Coding>
        <Coding guid="eeeeeeee-0000-4000-8000-000000000002" creatingUser="aaaaaaaa-0000-4000-8000-000000000001">
          <CodeRef targetGUID="ffffffff-0000-4000-8000-000000000009"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="bbbbbbbb-0000-4000-8000-000000000002" name="notat"
        plainTextPath="internal://bbbbbbbb-0000-4000-8000-000000000002.txt">
      <Coding guid="eeeeeeee-0000-4000-8000-000000000003" creatingUser="aaaaaaaa-0000-4000-8000-000000000001">
        <CodeRef targetGUID="cccccccc-0000-4000-8000-000000000001"/>
      </Coding>
    </TextSource>
    <PDFSource guid="bbbbbbbb-0000-4000-8000-000000000003" name="plan.pdf" path="internal://plan.pdf">
      <PDFSelection guid="dddddddd-0000-4000-8000-000000000002" page="1" firstX="1" firstY="1" secondX="9" secondY="9">
        <Coding guid="eeeeeeee-0000-4000-8000-000000000004">
          <CodeRef targetGUID="cccccccc-0000-4000-8000-000000000001"/>
        </Coding>
      </PDFSelection>
      <Representation guid="bbbbbbbb-0000-4000-8000-000000000004" plainTextPath="internal://plan.txt">
        <PlainTextSelection guid="dddddddd-0000-4000-8000-000000000003" startPosition="0" endPosition="9">
          <Coding guid="eeeeeeee-0000-4000-8000-000000000005" creatingUser="aaaaaaaa-0000-4000-8000-000000000001">
            <CodeRef targetGUID="cccccccc-0000-4000-8000-000000000001"/>
          </Coding>
        </PlainTextSelection>
      </Representation>
    </PDFSource>
  </Sources>
</Project>
"""


def test_import_a_project_from_another_program(tmp_path):
    path = tmp_path / "felt.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", FOREIGN_QDE)
        archive.writestr("sources/bbbbbbbb-0000-4000-8000-000000000002.txt", "\ufeffNotat om økonomi.")
        archive.writestr("sources/plan.txt", "Samarbeid i plan.")
    codings, book = import_qdpx(path)
    assert book.name == "Felt" and book.ids == ["samarbeid", "skole"]
    assert codings.values.tolist() == [
        ["intervju 1", 5, 10, "skole", "skole", "OLA"],
        ["notat", 0, 17, "samarbeid", "Notat om økonomi.", "Kari"],
        ["plan.pdf", 0, 9, "samarbeid", "Samarbeid", "Kari"],
    ]
    assert codings.attrs["warnings"] == [
        "intervju 1: a coding refers to code ffffffff-0000-4000-8000-000000000009, which is not in the codebook; "
        "skipped",
        "plan.pdf: 1 coding(s) of PDF page areas skipped (no text positions)",
    ]


def test_import_qdpx_errors(tmp_path):
    with pytest.raises(CasestudyError, match="file not found"):
        import_qdpx(tmp_path / "missing.qdpx")
    path = tmp_path / "empty.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "nothing")
    with pytest.raises(CasestudyError, match="no project.qde"):
        import_qdpx(path)


def test_text_for_xml_drops_what_xml_and_utf8_cannot_hold():
    from casestudy.output.exchange._common import xml_text

    # a form feed from a PDF, U+FFFE, and a lone surrogate (which made writing the project fail)
    assert xml_text("side\x0c1\ufffe a\ud800b\tc\nd") == "side1 ab\tc\nd"


def test_a_reviewer_gets_the_unit_coded_with_the_matched_words_in_its_description(coded_corpus, tmp_path):
    from casestudy.output.exchange.qdpx import AUTO_USER

    corpus, coded = coded_corpus
    root, files = read_project(export_qdpx(corpus, coded, BOOK, tmp_path / "p.qdpx", coder=AUTO_USER))
    sources = {s.get("name"): s for s in root.iter(P + "TextSource")}
    assert all("/" not in name for name in sources)
    leader = sources["østby_leder.docx"]
    text = files["Sources/" + leader.get("plainTextPath").removeprefix("internal://")].decode("utf-8")
    got = [(text[int(s.get("startPosition")):int(s.get("endPosition"))], s.find(P + "Description").text,
            len(s.findall(P + "Coding"))) for s in leader.findall(P + "PlainTextSelection")]
    assert got == [
        ("Vi får til et godt samarbeid på tvers.", "Treff: cooperation: «samarbeid»", 1),
        ("Både barnehagen og skolen er med på forebyggingen, særlig i år.",
         "Treff: prevention: «forebyggingen»; school: «barnehagen»; kindergarten: «barnehagen»", 3),
    ]
    users = {u.get("guid"): u.get("name") for u in root.iter(P + "User")}
    assert {users[c.get("creatingUser")] for c in root.iter(P + "Coding")} == {AUTO_USER}
    assert users[root.get("creatingUserGUID")] == "casestudy"


def test_a_human_coding_read_from_a_project_leaves_the_tools_own_codings_out(coded_corpus, tmp_path):
    from casestudy.analyses.agreement import read_coding
    from casestudy.output.exchange.qdpx import AUTO_USER

    corpus, coded = coded_corpus
    mixed = pd.concat([coded.assign(coder=AUTO_USER), coded.head(2).assign(coder="kari")])
    path = export_qdpx(corpus, mixed, BOOK, tmp_path / "p.qdpx")
    human = read_coding(path, codebook=BOOK)
    assert set(human["coder"]) == {"kari"} and len(human) == 2
    assert human.attrs["warnings"] == [f"{path}: {len(coded)} coding(s) by {AUTO_USER} (the tool's own) left out"]
