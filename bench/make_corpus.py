"""Generate a national-scale benchmark corpus: plan PDFs, interview DOCX files and cases.csv.

Deterministic: the same ``--seed`` and sizes give the same files (each document has
its own random stream, so the output does not depend on ``--jobs``). Text comes from
the templates in ``bench/templates_nb.py`` and from the demo sources in
``scripts/demo_src/`` cut into sentences and recombined, with every municipality
name replaced by a fictional one built from syllables. Rendering reuses
``scripts/make_demo_corpus.py`` (running headers/footers, hyphenated line breaks,
tables).

Usage::

    python bench/make_corpus.py [--plans 357] [--interviews 100] [--out bench/corpus] [--seed 2026]
                                [--jobs N] [--max-pages P] [--interview-words W] [--small]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import math
import multiprocessing as mp
import os
import random
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import templates_nb as T  # noqa: E402


def _load_renderer():
    spec = importlib.util.spec_from_file_location("make_demo_corpus", ROOT / "scripts" / "make_demo_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


R = _load_renderer()
DEMO_SRC = ROOT / "scripts" / "demo_src"
#: No pseudonym column: a national screening reads public plans under their municipalities' names, and a
#: pseudonym column would make every bench run a pseudonymised one (issue 21).
CASES_COLUMNS = ["file", "case", "kind", "role", "region", "size_class", "inter_municipal", "year"]
ROLES = ("barnevernleder", "koordinator")
ROLE_LONG = {"barnevernleder": "leder for barne~vern~tjenesten", "koordinator": "koordinator for fore~byggende arbeid"}
#: rendered words per page (11 pt body, A4), measured on generated plans; used to size a plan to its page target
WORDS_PER_PAGE = 365
DEMO_NAMES = ["Fjordvik", "Haugbakken", "Lauvdal", "Nordheim", "Storeng", "Vesterøy"]
DEMO_NEIGHBOURS = ["Grånes", "Kvitnes", "Holmvik", "Øyriket"]
VOWELS = set("aeiouyæøåéAEIOUYÆØÅ")

# --------------------------------------------------------------------------- raw material from the demo sources

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ«])")


def _templatize(text: str) -> str:
    """Demo municipality names → slots, so recombined text names the generated municipality."""
    for name in DEMO_NAMES:
        text = re.sub(rf"\b{name}s\b", "{Kg}", text)
        text = re.sub(rf"\b{name}\b", "{K}", text)
    for i, name in enumerate(DEMO_NEIGHBOURS):
        text = re.sub(rf"\b{name}\b", "{K2}" if i % 2 == 0 else "{K3}", text)
    return text


def _topic_of(heading: str) -> str | None:
    h = heading.lower()
    for key, words in (
        ("begreper", ("begrep", "omgrep")), ("status", ("status", "kunnskap", "levekår", "folkehelse", "bakgrunn")),
        ("mål", ("mål", "satsing", "strategi")), ("ansvar", ("ansvar", "oppgåve", "oppgave")),
        ("organisering", ("organiser", "styring", "leiing", "ledelse")),
        ("samarbeid", ("samarbeid", "samhandling")), ("tiltak", ("tiltak", "handlingsdel")),
        ("evaluering", ("evaluer", "oppfølging", "rullering")), ("innledning", ("innledning", "innleiing", "formål")),
    ):
        if any(w in h for w in words):
            return key
    return None


def demo_material() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Sentences from the demo plans by chapter topic, and informant sentences from the demo transcripts by role."""
    plan_sentences: dict[str, list[str]] = {k: [] for k in T.CHAPTERS}
    for source in sorted((DEMO_SRC / "plans").glob("*.md")):
        text = source.read_text(encoding="utf-8")
        if "førebyggjande" in text.split("---")[1]:  # the templates are bokmål: leave the Nynorsk plan out
            continue
        plan = R.parse_plan_source(text)
        topic = None
        for block in plan["blocks"]:
            if block["kind"] == "heading" and block["level"] == 1:
                topic = _topic_of(block["text"])
            elif block["kind"] == "paragraph" and topic:
                for sentence in _SENTENCE_END.split(block["text"]):
                    if len(sentence.split()) >= 5 and "{" not in sentence:
                        plan_sentences[topic].append(_templatize(sentence))
    speech: dict[str, list[str]] = {r: [] for r in ROLES}
    for source in sorted((DEMO_SRC / "interviews").glob("*.txt")):
        role = source.stem.rpartition("_")[2]
        if role not in speech:
            continue
        for label, text in R.parse_interview_source(source.read_text(encoding="utf-8")):
            if label and label.startswith("Intervjuer"):
                continue
            for sentence in _SENTENCE_END.split(text):
                if len(sentence.split()) >= 4 and "{" not in sentence:
                    speech[role].append(_templatize(sentence))
    return plan_sentences, speech


# --------------------------------------------------------------------------- municipalities


def municipalities(n: int, seed: int) -> list[dict]:
    """``n`` fictional municipalities with unique syllable names and cases.csv attributes."""
    rng = random.Random(f"municipalities-{seed}")
    combos = [h + t for h in T.NAME_HEADS for t in T.NAME_TAILS]
    combos = [c for c in combos if not re.search(r"(.)\1\1", c.lower())]
    rng.shuffle(combos)
    names: list[str] = []
    seen: set[str] = set()
    for name in combos:
        name = name[0] + name[1:].lower()
        slug = slugify(name)
        if slug not in seen:
            seen.add(slug)
            names.append(name)
        if len(names) == n:
            break
    while len(names) < n:  # more than the syllables give: add a numbered district
        names.append(f"{names[len(names) % len(seen)]} {len(names)}")
    classes, weights = zip(*T.SIZE_CLASSES)
    rows = []
    for i, name in enumerate(names):
        rows.append(dict(
            case=name, slug=slugify(name), region=rng.choice(T.REGIONS),
            size_class=rng.choices(classes, weights)[0], inter_municipal=rng.choice(["ja", "nei", "nei"]),
            year=str(rng.choice([2023, 2024, 2024, 2025])),
        ))
    for row in rows:  # neighbours for inter-municipal cooperation
        row["neighbours"] = [r["case"] for r in rng.sample(rows, min(2, len(rows)))]
    return rows


def slugify(name: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "o", "å": "a", " ": "_", "é": "e"})
    return re.sub(r"[^a-z0-9_]", "", name.lower().translate(table))


def genitive(name: str) -> str:
    return name + ("" if name.endswith(("s", "x", "z")) else "s")


# --------------------------------------------------------------------------- text filling


#: Slots filled with one word or phrase from a list of the templates.
WORD_SLOTS = {"tjeneste": T.SERVICES, "program": T.PROGRAMS, "kilde": T.SOURCES, "gruppe": T.GROUPS,
              "forum": T.FORA, "leder": T.LEADERS, "risiko": T.RISK, "beskytt": T.PROTECT}


class Filler:
    """Fills ``{slot}`` marks for one document with its own random stream."""

    def __init__(self, rng: random.Random, muni: dict):
        self.rng = rng
        self.muni = muni
        start = int(muni["year"])
        self.fixed = {
            "K": muni["case"], "Kg": genitive(muni["case"]), "kommune": f"{muni['case']} kommune",
            "K2": muni["neighbours"][0], "K3": muni["neighbours"][-1],
            "år": str(start), "år2": str(start + rng.choice([3, 3, 4, 4, 5])), "år0": str(start - 1),
        }

    def pct(self) -> str:
        value = self.rng.choice([self.rng.randint(2, 95), round(self.rng.uniform(0.3, 9.9), 1)])
        return f"{str(value).replace('.', ',')} %"

    def slot(self, name: str) -> str:
        rng = self.rng
        if name in self.fixed:
            return self.fixed[name]
        base = name.rstrip("0123456789")
        if base in WORD_SLOTS:
            return rng.choice(WORD_SLOTS[base])
        if base == "Tjeneste":
            value = rng.choice(T.SERVICES)
            return value[0].upper() + value[1:]
        if base == "hvert":
            return str(rng.choice([1, 2, 4, 4]))
        if base == "pst":
            return self.pct()
        if base == "n":
            return str(rng.randint(2, 12))
        if base == "årsverk":
            return str(rng.randint(4, 60))
        if base == "innbyggere":
            return f"{rng.randint(1, 95)} {rng.randint(0, 999):03d}" if rng.random() < 0.8 else str(rng.randint(400, 999))
        if base == "meldinger":
            return str(rng.randint(20, 900))
        if base == "foreldre":
            return str(rng.randint(2, 40) * 10)
        if base == "kroner":
            return f"{rng.randint(1, 30) * 50} 000"
        if base == "dato":
            return f"{rng.randint(1, 28)}.{rng.randint(1, 12):02d}.{self.fixed['år']}"
        if base == "sak":
            return f"{rng.randint(1, 120)}/{self.fixed['år'][2:]}"
        if base == "rolle_lang":
            return ROLE_LONG[self.muni.get("role") or "barnevernleder"]
        return "{" + name + "}"

    def fill(self, template: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: self.slot(m.group(1)), template)


def hyphen_hints(text: str) -> str:
    """Add ``~`` hyphenation points (between two consonants after a vowel) to long words that have none."""

    def hint(match: re.Match) -> str:
        word = match.group(0)
        if len(word) < 10 or "~" in word:
            return word
        out = [word[0]]
        last = 0
        for i in range(1, len(word)):
            if (3 <= i <= len(word) - 3 and i - last >= 3 and word[i - 2] in VOWELS and word[i - 1] not in VOWELS
                    and word[i] not in VOWELS and word[i + 1] in VOWELS):
                out.append("~")
                last = i
            out.append(word[i])
        return "".join(out)

    return re.sub(r"[A-Za-zÆØÅæøå~]+", hint, text)


# --------------------------------------------------------------------------- plans


def plan_source(muni: dict, index: int, seed: int, material: dict[str, list[str]], max_pages: int | None,
                scale: float = 1.0) -> dict:
    """A parsed plan (the structure ``write_plan_pdf`` takes) and its page target.

    ``scale`` multiplies the word budget (the same plan otherwise), to correct a render that missed the range.
    """
    rng = random.Random(f"plan-{seed}-{index}")
    fill = Filler(rng, muni)
    target = min(44, max(8, round(rng.triangular(8, 44, 23))))
    if max_pages:
        target = min(target, max_pages)
    budget = max(150, int((target - 1) * WORDS_PER_PAGE * scale))

    middle = ["mål", "ansvar", "organisering", "samarbeid"]
    if rng.random() < 0.5:
        middle[1:] = rng.sample(middle[1:], 3)
    for optional in ("ansvar", "organisering", "samarbeid"):  # some plans miss a statutory element
        if rng.random() < 0.08:
            middle.remove(optional)
    chapters = ["innledning"]
    chapters += [c for c in ("begreper", "status") if rng.random() < 0.75]
    chapters += middle + ["tiltak"]
    chapters += [c for c in ("kompetanse", "medvirkning") if rng.random() < 0.4]
    chapters += ["evaluering"]
    weights = {"innledning": 1.0, "begreper": 0.6, "status": 1.2, "mål": 1.0, "ansvar": 1.3, "organisering": 0.9,
               "samarbeid": 1.2, "tiltak": 1.4, "kompetanse": 0.5, "medvirkning": 0.5, "evaluering": 0.6}
    total_weight = sum(weights[c] for c in chapters)
    new_page = rng.random() < 0.3
    if new_page:  # a chapter that starts on a new page leaves half a page empty on average
        budget = max(150, budget - (len(chapters) - 1) * WORDS_PER_PAGE // 2)
    title_word = rng.choice(["Plan for forebyggende arbeid for barn og unge", "Plan for det forebyggende arbeidet",
                             "Forebyggingsplan for barn og unge", "Oppvekstplan – forebygging og tidlig innsats",
                             "Plan for forebygging og tidlig innsats"])
    period = f"{fill.fixed['år']}–{fill.fixed['år2']}"
    blocks: list[dict] = []

    seen: set[str] = set()

    def composed() -> str:
        purpose = rng.choice(T.PLAN_PURPOSES)
        text = f"{rng.choice(T.PLAN_SUBJECTS)} {rng.choice(T.PLAN_MODALS)} {rng.choice(T.PLAN_VERB_PHRASES)}"
        return fill.fill(text + (", " + purpose if purpose.startswith("slik") or purpose.startswith("og ")
                                 else (" " + purpose if purpose else "")) + ".")

    def sentence(topic: str) -> str:
        for _ in range(4):  # prefer a sentence this plan has not used yet
            draw = rng.random()
            demo = material.get(topic) or []
            if draw < 0.35:
                text = composed()
            elif demo and draw < 0.6:
                text = fill.fill(rng.choice(demo))
            else:
                text = fill.fill(rng.choice(T.CHAPTERS[topic]["sentences"]))
            if text not in seen:
                break
        seen.add(text)
        return text

    def paragraph(topic: str) -> str:
        return " ".join(sentence(topic) for _ in range(rng.randint(2, 6)))

    def table(topic: str) -> list[list[str]]:
        if topic in ("tiltak",):
            rows = [["Ansvarlig tjeneste", "Tiltak", "Nivå", "Målgruppe"]]
            rows += [list(m) for m in rng.sample(T.MEASURES, rng.randint(5, 12))]
        elif topic == "ansvar":
            rows = [["Tjeneste", "Ansvar i det forebyggende arbeidet"]]
            for service in rng.sample(T.SERVICE_TITLES, rng.randint(4, 9)):
                rows.append([service, fill.fill(rng.choice(T.CHAPTERS["ansvar"]["sentences"][:2])).replace("~", "")])
        elif topic in ("mål", "evaluering"):
            rows = [["Delmål / indikator", "Kilde", "Utgangsverdi", f"Mål {fill.fixed['år2']}"]]
            for name, source in rng.sample(T.INDICATORS, rng.randint(4, 8)):
                rows.append([name, source, fill.pct(), fill.pct()])
        else:  # status
            rows = [["Indikator", muni["case"], "Fylket", "Landet"]]
            for name, _ in rng.sample(T.INDICATORS, rng.randint(4, 8)):
                rows.append([name, fill.pct(), fill.pct(), fill.pct()])
        return rows

    def words_of(block: dict) -> int:
        if block["kind"] == "table":
            return sum(len(" ".join(r).split()) for r in block["rows"]) + 12 * len(block["rows"])
        return len(block.get("text", "").split()) + (25 if block["kind"] == "heading" else 0)

    for number, topic in enumerate(chapters, start=1):
        spec = T.CHAPTERS[topic]
        if new_page and number > 1:
            blocks.append({"kind": "pagebreak"})
        heading = fill.fill(rng.choice(spec["headings"]))
        blocks.append({"kind": "heading", "level": 1, "text": f"{number} {heading}"})
        chapter_budget = budget * weights[topic] / total_weight
        if spec["subs"] == "services":
            subs = [[s] for s in rng.sample(T.SERVICE_TITLES, rng.randint(4, 10))]
        else:
            subs = spec["subs"]
        n_subs = min(len(subs), max(0, round(chapter_budget / 220)))
        chosen = sorted(rng.sample(range(len(subs)), n_subs)) if n_subs >= 2 else []
        sections = [None] if not chosen else [rng.choice(subs[i]) for i in chosen]
        has_table = topic in ("tiltak", "ansvar", "mål", "status", "evaluering") and rng.random() < 0.7
        table_at = rng.randrange(len(sections)) if has_table else -1
        for k, sub in enumerate(sections):
            if sub:
                blocks.append({"kind": "heading", "level": 2, "text": f"{number}.{k + 1} {sub}"})
            section_budget = chapter_budget / len(sections)
            used = 0
            if k == table_at:
                blocks.append({"kind": "paragraph", "text": fill.fill(rng.choice([
                    "Tabellen under gir en oversikt.", "Oversikten under viser status.",
                    "Tabell {n} viser hovedpunktene."]))})
                blocks.append({"kind": "table", "rows": table(topic)})
                used += words_of(blocks[-1])
            while used < section_budget:
                if rng.random() < 0.12:
                    lead = fill.fill(rng.choice(["Kommunen vil:", "Dette innebærer:", "Vi prioriterer:",
                                                 "Tiltakene er:", "Strategiene er:"]))
                    blocks.append({"kind": "paragraph", "text": lead})
                    for _ in range(rng.randint(3, 6)):
                        blocks.append({"kind": "bullet", "text": fill.fill(rng.choice(T.BULLET_TEMPLATES))})
                        used += words_of(blocks[-1]) + 3
                else:
                    blocks.append({"kind": "paragraph", "text": paragraph(topic)})
                    used += words_of(blocks[-1]) + 4
    for block in blocks:
        if "text" in block:
            block["text"] = hyphen_hints(block["text"])
    meta = {
        "title": f"{title_word} {period}", "municipality": f"{muni['case']} kommune",
        "header": f"{muni['case']} kommune – {title_word}",
        "subtitle": rng.choice(["Kommunens plan etter barnevernloven § 15-1", "Barnevernloven § 15-1", ""]),
        "adopted": f"Vedtatt i kommunestyret {fill.slot('dato')}, sak {fill.slot('sak')}",
        "period": f"Planperiode {period}",
    }
    meta = {k: v for k, v in meta.items() if v}
    return {"title": meta["title"], "municipality": meta["municipality"], "header": meta["header"], "meta": meta,
            "blocks": blocks, "target_pages": target}


# --------------------------------------------------------------------------- interviews


def interview_turns(muni: dict, role: str, index: int, seed: int, speech: dict[str, list[str]],
                    words: int | None) -> list[tuple[str | None, str]]:
    """Labelled turns of one transcript of ``words`` words (default: 6,000–9,000)."""
    rng = random.Random(f"interview-{seed}-{index}-{role}")
    fill = Filler(rng, dict(muni, role=role))
    target = words or rng.randint(6000, 9000)
    informant = f"Informant ({role})"
    demo = speech.get(role) or []
    topics = list(T.INTERVIEW_TOPICS)

    def spoken(topic: str) -> str:
        if demo and rng.random() < 0.4:
            return fill.fill(rng.choice(demo))
        if rng.random() < 0.3:
            clause = fill.fill(f"{rng.choice(T.SPOKEN_SUBJECTS)} {rng.choice(T.SPOKEN_VERB_PHRASES)}")
        else:
            clause = fill.fill(rng.choice(T.INTERVIEW_TOPICS[topic]["answers"]))
        clause = clause.replace("~", "")
        opener = rng.choice(T.OPENERS) if rng.random() < 0.55 else ""
        text = opener + clause + rng.choice(T.TAGS) + "."
        return text[0].upper() + text[1:]

    def answer(topic: str) -> list[str]:
        paragraphs = []
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
            related = [topic] * 3 + [rng.choice(topics)]
            paragraphs.append(" ".join(spoken(rng.choice(related)) for _ in range(rng.randint(3, 9))))
        return paragraphs

    turns: list[tuple[str | None, str]] = [("Intervjuer", "Takk for at du stiller opp. Før vi begynner: er det greit at "
                                                          "vi tar opp samtalen?"), (informant, "Ja, det er greit.")]
    count = sum(len(t.split()) for _, t in turns)
    order = ["rolle"] + rng.sample(topics[1:], len(topics) - 1)
    k = 0
    ceiling = max(target, 9000 if words is None else int(words * 1.2)) - 120  # room for the closing turns
    while count < target:
        topic = order[k % len(order)] if k < len(order) else rng.choice(topics)
        k += 1
        question = fill.fill(rng.choice(T.INTERVIEW_TOPICS[topic]["questions"])).replace("~", "")
        exchange = [("Intervjuer", question)]
        for j, text in enumerate(answer(topic)):
            exchange.append((informant if j == 0 else None, text))
        while rng.random() < 0.4:
            exchange.append(("Intervjuer", rng.choice(T.FOLLOW_UPS)))
            if rng.random() < 0.15:
                exchange.append((informant, rng.choice(T.SHORT)))
            else:
                exchange += [(informant if j == 0 else None, t) for j, t in enumerate(answer(topic))]
        size = sum(len(t.split()) for _, t in exchange)
        if count + size > ceiling and count >= 0.8 * target:
            break  # stop short rather than run past the length range
        turns += exchange
        count += size
    turns += [("Intervjuer", "Er det noe du vil legge til som vi ikke har snakket om?"),
              (informant, " ".join(spoken(rng.choice(topics)) for _ in range(3))),
              ("Intervjuer", "Takk for samtalen.")]
    return turns


# --------------------------------------------------------------------------- workers


_MATERIAL = None


def _material():
    global _MATERIAL
    if _MATERIAL is None:
        _MATERIAL = demo_material()
    return _MATERIAL


def _task(task: tuple) -> dict:
    kind, index, muni, role, seed, out, max_pages, interview_words = task
    started = time.perf_counter()
    plan_material, speech = _material()
    if kind == "plan":
        rel = f"plans/{muni['slug']}.pdf"
        low, high = 8, 44
        scale = 1.0
        for _ in range(1 if max_pages else 4):  # re-render (rarely) when the page count falls outside 8–44
            plan = plan_source(muni, index, seed, plan_material, max_pages, scale)
            info = R.write_plan_pdf(plan, Path(out) / rel, seed=index + 1)
            if low <= info["pages"] <= high:
                break
            scale *= (min(max(info["pages"], low), high) - 0.5 if info["pages"] > high else low + 0.5) / info["pages"]
        extra = {"pages": info["pages"], "target_pages": plan["target_pages"]}
    else:
        turns = interview_turns(muni, role, index, seed, speech, interview_words)
        rel = f"interviews/{muni['slug']}_{role}.docx"
        R.write_interview_docx(turns, Path(out) / rel, title=f"Intervju med {role}, {muni['case']}")
        extra = {"words": sum(len(t.split()) for _, t in turns), "paragraphs": len(turns)}
    row = {k: muni.get(k, "") for k in CASES_COLUMNS}
    row.update(file=rel, kind=kind, role=role or "")
    return {"row": row, "seconds": time.perf_counter() - started, "order": (0 if kind == "plan" else 1, index), **extra}


def build(out: Path, plans: int, interviews: int, seed: int, jobs: int, max_pages: int | None = None,
          interview_words: int | None = None, quiet: bool = False) -> dict:
    """Write the corpus into ``out``; returns a summary (also written to ``out/corpus.json``)."""
    started = time.perf_counter()
    out = Path(out)
    n_interview_munis = math.ceil(interviews / 2)
    munis = municipalities(max(plans, n_interview_munis), seed)
    tasks = [("plan", i, munis[i], "", seed, str(out), max_pages, interview_words) for i in range(plans)]
    picker = random.Random(f"interview-cases-{seed}")
    chosen = sorted(picker.sample(range(len(munis)), n_interview_munis))
    for k in range(interviews):
        muni = munis[chosen[k // 2]]
        tasks.append(("interview", k, muni, ROLES[k % 2], seed, str(out), max_pages, interview_words))
    for sub in ("plans", "interviews"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    results = []
    if jobs > 1 and len(tasks) > 1:
        # largest first would balance better, but sizes are known only after generation; chunksize 1 is fine
        with mp.get_context("fork").Pool(min(jobs, len(tasks))) as pool:
            for n, result in enumerate(pool.imap_unordered(_task, tasks, chunksize=1), start=1):
                results.append(result)
                if not quiet and (n % 25 == 0 or n == len(tasks)):
                    print(f"  {n}/{len(tasks)} files, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    else:
        results = [_task(t) for t in tasks]
    results.sort(key=lambda r: r["order"])
    with open(out / "cases.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CASES_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for result in results:
            writer.writerow(result["row"])
    plan_results = [r for r in results if r["row"]["kind"] == "plan"]
    interview_results = [r for r in results if r["row"]["kind"] == "interview"]
    pages = [r["pages"] for r in plan_results]
    words = [r["words"] for r in interview_results]
    summary = {
        "seed": seed, "plans": plans, "interviews": interviews, "jobs": jobs,
        "max_pages": max_pages, "interview_words": interview_words,
        "pages_total": sum(pages), "pages_min": min(pages, default=0), "pages_max": max(pages, default=0),
        "pages_mean": round(sum(pages) / len(pages), 2) if pages else 0,
        "interview_words_total": sum(words), "interview_words_min": min(words, default=0),
        "interview_words_max": max(words, default=0),
        "seconds": round(time.perf_counter() - started, 1),
        "seconds_plans_cpu": round(sum(r["seconds"] for r in plan_results), 1),
        "seconds_interviews_cpu": round(sum(r["seconds"] for r in interview_results), 1),
    }
    (out / "corpus.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--plans", type=int, default=357, help="number of plan PDFs (default 357)")
    parser.add_argument("--interviews", type=int, default=100, help="number of interview DOCX files (default 100)")
    parser.add_argument("--out", type=Path, default=HERE / "corpus", help="corpus folder (default bench/corpus)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)), help="worker processes (default: all cores)")
    parser.add_argument("--max-pages", type=int, default=None, help="cap each plan's page target (small corpora for tests; a plan may come out a page longer)")
    parser.add_argument("--interview-words", type=int, default=None,
                        help="words per interview (default: 6,000–9,000 at random)")
    parser.add_argument("--small", action="store_true", help="tiny documents: --max-pages 3 --interview-words 600")
    args = parser.parse_args(argv)
    if args.small:
        args.max_pages = args.max_pages or 3
        args.interview_words = args.interview_words or 600
    if args.plans < 0 or args.interviews < 0 or args.plans + args.interviews == 0:
        parser.error("need at least one plan or interview")
    summary = build(args.out, args.plans, args.interviews, args.seed, max(1, args.jobs), args.max_pages,
                    args.interview_words)
    print(f"wrote {args.plans} plans ({summary['pages_total']} pages, {summary['pages_min']}–{summary['pages_max']}, "
          f"mean {summary['pages_mean']}) and {args.interviews} interviews "
          f"({summary['interview_words_total']} words) to {args.out} in {summary['seconds']} s "
          f"with {args.jobs} processes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
