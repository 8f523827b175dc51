#!/usr/bin/env python3
"""Rebuild texts/<id>.txt and sources.csv from raw/<NN>.json search responses.
Each excerpt is taken verbatim from the 'excerpt' field of the result with the given
'rank' (1-based) in the given raw file; several pieces of one document are joined with a blank line."""
import csv, json, os
HERE = os.path.dirname(os.path.abspath(__file__))
SEL = [
 # id, municipality, lang, title, raw, ranks, notes
 ("loten","Løten","nb","Forebyggende plan for omsorgsvikt og atferdsvansker","01",[1],
  "Municipal web page announcing the adopted plan (kommunestyret 29.05.2024, sak 18/24, period 2024-2027) and linking the PDF; very short, page only announces the plan."),
 ("sandnes","Sandnes","nb","Plan for forebygging av omsorgssvikt og utvikling av atferdsvansker 2024 - 2032","01",[7],
  "Municipal web page for an adopted stand-alone plan; quotes barnevernsloven § 15-1 second paragraph; excerpt is the page opening (formål paragraph duplicated on page) and is cut mid-word at the end."),
 ("hareid","Hareid","nn","Plan for førebygging av omsorgssvikt og utvikling av åtferdsvanskar (høyring)","01",[6],
  "News-list page announcing a public hearing (14 Oct - 25 Nov 2025) of a draft plan; short; excerpt starts mid-page (photo credit) and ends with a stray 'n'."),
 ("halden","Halden","nb","Varsel om revidering av kommunedelplan oppvekst","02",[5],
  "Announcement (2022) that kommunedelplan oppvekst will be revised to include the plan required by barnevernloven; no plan content; very short."),
 ("orsta","Ørsta","nn","Høyring: Plan for førebygging av omsorgssvikt og åtferdsvanskar","02",[7],
  "Hearing notice (frist 21 April 2024, sak 23/658) for a stand-alone plan; links PDF; short."),
 ("overhalla","Overhalla","nb","Forebyggende plan","03",[6],
  "Municipal web page about the plan; mentions BTI since 2017 and links the plan PDF; excerpt starts mid-page and one sentence is cut ('helhetlige tjeneste')."),
 ("lillestrom","Lillestrøm","nb","Plan for helsefremmende og forebyggende arbeid for barn, unge og familier i Lillestrøm kommune","04",[3],
  "Temaplan web page: legal basis (§15-1), four goal areas and the plan's table of contents; excerpt starts mid-page."),
 ("voss","Voss","nn","Kommunedelplan - Tidleg innsats og livsmeistring: Planprogram","04",[4],
  "Page for the planning programme (not the plan itself) of a kommunedelplan on early intervention; short."),
 ("lorenskog","Lørenskog","nb","Oppvekstreformen","05",[2],
  "Municipal page restating the child-welfare reform and its goals; no concrete plan content; excerpt cut mid-word."),
 ("sula","Sula","nn","Samhandlingsmodell (Betre tverrfagleg innsats)","06",[5],
  "BTI-based collaboration-model page (individ/eining/kommune levels); mixed Nynorsk with some Bokmål forms; excerpt cut mid-sentence."),
 ("oppdal","Oppdal","nb","Om samhandlingsmodellen","06",[8],
  "Collaboration-model page describing three levels (kommune/tjeneste/individ); excerpt starts mid-page."),
 ("vestre-toten","Vestre Toten","nb","BTI: Handlingsveileder, Vestre Toten kommune","07",[1],
  "BTI action-guide page; second half is flowchart labels rendered as text (many line breaks)."),
 ("steinkjer","Steinkjer (with Snåsa)","nb","BTI - Bedre tverrfaglig innsats og samhandling i Snåsa og Steinkjer","07",[2],
  "Joint Snåsa/Steinkjer BTI development-project page (2022-2023) linking to oppvekstreform and other plans; excerpt cut mid-word."),
 ("tynset","Tynset","nb","Hva er Bedre tverrfaglig innsats? (BTI Tynset)","07",[4],
  "BTI portal front page of the municipality (handlingsveileder, levels 0-3)."),
 ("sunnfjord","Sunnfjord","nn","BTI - Betre tverrfagleg innsats","07",[5],
  "BTI information page in Nynorsk (why/how BTI); excerpt cut mid-sentence."),
 ("lyngdal","Lyngdal","nb","Bedre tverrfaglig innsats (BTI)","07",[7],
  "BTI project page (2016-2018, pre-reform) with steering/project group lists; excerpt cut mid-word."),
 ("sogndal","Sogndal","nn","Saman samtidig - tiltaksplan: Støtte til føresette","08",[3],
  "Action-plan text for prevention work ('Saman samtidig'): priority areas, goal, strategy, principles; excerpt cut mid-word."),
 ("ullensvang","Ullensvang","nn","Oppvekstplan 2020-2025","09",[1,6],
  "Two results joined (blank line between): kommune page for Oppvekstplan 2020-2025 (rank 1) and ullensvang.betreinnsats.no page 'Fokus i oppvekstsektoren 2020-2025' (rank 6) about the same plan; pre-reform sector plan; second URL: https://ullensvang.betreinnsats.no/fokus-i-oppvekstsektoren/"),
 ("baerum","Bærum","nb","Tiltaksplan «Sammen for barn og unge» 2015-2019","10",[1],
  "Third-party page (kriminalitetsforebygging.no) summarising Bærum's municipal prevention action plan; pre-reform; short."),
 ("fla","Flå","nb","Plan for tverrfaglig samarbeid i Flå kommune","03",[1],
  "docplayer transcript of a 2012 plan (pre-reform): table of contents and start of introduction; also returned in raw/11.json rank 5."),
 ("ringerike","Ringerike","nb","Helse- og omsorgsplan for barn og unge 2009-2015","11",[7],
  "docplayer transcript of a 2009-2015 health and care plan for children (pre-reform): mostly table of contents."),
]
rows=[]
os.makedirs(os.path.join(HERE,"texts"),exist_ok=True)
for id_,mun,lang,title,raw,ranks,notes in SEL:
    d=json.load(open(os.path.join(HERE,"raw",raw+".json"),encoding="utf-8"))
    byrank={r["rank"]:r for r in d["results"]}
    pieces=[byrank[k]["excerpt"] for k in ranks]
    text="\n\n".join(pieces)
    with open(os.path.join(HERE,"texts",id_+".txt"),"w",encoding="utf-8") as f:
        f.write(text)
    rows.append(dict(id=id_,municipality=mun,language=lang,title=title,url=byrank[ranks[0]]["url"],
        corpus=d["corpus"],query=d["query"],raw_file="raw/%s.json"%raw,
        result_index=";".join(str(k) for k in ranks),words=len(text.split()),notes=notes))
with open(os.path.join(HERE,"sources.csv"),"w",encoding="utf-8",newline="") as f:
    w=csv.DictWriter(f,fieldnames=["id","municipality","language","title","url","corpus","query","raw_file","result_index","words","notes"])
    w.writeheader(); w.writerows(rows)
for r in rows: print(r["id"],r["language"],r["words"])
print(len(rows),"nb",sum(r["language"]=="nb" for r in rows),"nn",sum(r["language"]=="nn" for r in rows))
