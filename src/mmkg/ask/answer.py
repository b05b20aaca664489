"""From an understood question to the answer object of the design notes: the template's rows, one or two plain
sentences that state only values the graph holds (with population, trial and source), the relevant data gaps,
citations, and — when the asked cell is empty — 'not reported' with the nearest available evidence."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyoxigraph as ox

from mmkg.ask.lexicon import Lexicon, build_lexicon
from mmkg.ask.understand import TEMPLATE_SLOTS, Understanding, understand
from mmkg.graphstore import GraphStore
from mmkg.namespaces import sparql_prologue
from mmkg.query import solutions, template_solutions, term_value
from mmkg.templates import plain, template

MAX_SENTENCE_ITEMS = 5
SUGGESTIONS = [
    "What is the median PFS of PVd in lenalidomide-refractory patients after one prior line?",
    "Anti-CD38 triplets with Len-R PFS after 1 LOT",
    "Which trials did not report PFS in lenalidomide-refractory patients after one prior line?",
    "Where do the two reviews disagree?",
]
NUMERIC_TEMPLATES = {"results", "ranking", "head-to-head", "other-studies"}


@dataclass
class AskContext:
    """What answering needs, built once per served graph."""

    store: GraphStore
    lexicon: Lexicon


@lru_cache(maxsize=2)  # the graph served and, during a reload, the one before it; older ones are let go
def _context_for(store_id: int, store: GraphStore) -> AskContext:
    return AskContext(store, build_lexicon(store))


def context(store: GraphStore) -> AskContext:
    return _context_for(id(store), store)


def _rows(store: GraphStore, template_id: str, slots: dict[str, str]) -> tuple[str, list[str], list[dict[str, str]]]:
    t = template(template_id)
    query = t.bind({k: ox.NamedNode(v) for k, v in slots.items()})
    answer = template_solutions(store, query)
    columns = [v.value for v in answer.variables]
    rows = [{c: plain(row[c]) for c in columns} for row in answer]
    return query, columns, rows


def _dedupe(rows: list[dict[str, str]], key: str) -> list[dict[str, str]]:
    seen: set[str] = set()
    out = []
    for row in rows:
        k = row.get(key, "")
        if k and k in seen:
            continue
        seen.add(k)
        out.append(row)
    return out


def _value(row: dict[str, str]) -> str:
    if row.get("value"):
        unit = row.get("unit") or ""
        return f"{row['value']}{'' if unit in ('', '%') else ' '}{unit}".strip()
    return row.get("status", "")


def _source_short(label: str) -> str:
    return "2019 review" if "2019" in label else ("2024 review" if "2024" in label else label)


def _result_phrase(row: dict[str, str]) -> str:
    trial = row.get("trial_label", "")
    regimen = row.get("regimen_label", "")
    who = f"{regimen} in {trial}" if regimen else trial
    return (f"{who}: {row.get('endpoint_label', '')} {_value(row)} in {row.get('population_label', '')} "
            f"({_source_short(row.get('source_label', ''))})")


def _asked(u: Understanding) -> str:
    parts = [u.labels.get("endpoint", "results")]
    subject = next((u.labels[k] for k in ("regimen", "regimen_class", "drug", "drug_class", "study")
                    if k in u.labels), "")
    if subject:
        parts.append(f"for {subject}")
    if "population" in u.labels:
        parts.append(f"in {u.labels['population']}")
    return " ".join(parts)


def _gap_rows(store: GraphStore, u: Understanding) -> list[dict[str, str]]:
    slots = {k: v for k, v in u.slots.items() if k in TEMPLATE_SLOTS["gaps"]}
    if not slots:
        return []
    _q, _c, rows = _rows(store, "gaps", slots)
    return _dedupe(rows, "gap")


def _broader_populations(store: GraphStore, population: str) -> list[str]:
    query = f"SELECT ?p WHERE {{ <{population}> mm:subPopulationOf ?p }}"
    broader = [term_value(r["p"]) for r in solutions(store, query)]
    # nearest first: the broader population with the most ancestors of its own is the closest
    depth = {p: len(list(solutions(store, f"SELECT ?a WHERE {{ <{p}> mm:subPopulationOf ?a }}"))) for p in broader}
    return sorted(broader, key=lambda p: -depth[p])


def _nearest(store: GraphStore, u: Understanding) -> tuple[str, list[dict[str, str]]]:
    """Nearest available evidence: same regimen/class in a broader population, else the same population with the
    subject's drug class, else the same population for any regimen."""
    assert u.template is not None
    base = {k: v for k, v in u.slots.items() if k in TEMPLATE_SLOTS["results"]}
    if "population" in base:
        for broader in _broader_populations(store, base["population"]):
            _q, _c, rows = _rows(store, "results", {**base, "population": broader})
            rows = _dedupe(rows, "result")
            if rows:
                return f"same {_subject_word(u)} in the broader population '{rows[0]['population_label']}'", rows
    if "population" in base and "regimen" in base:
        cls = _narrowest_class(store, base["regimen"])
        if cls is not None:
            same_class = {k: v for k, v in base.items() if k in ("population", "endpoint")} | {"regimen_class": cls[0]}
            _q, _c, rows = _rows(store, "results", same_class)
            rows = _dedupe(rows, "result")
            if rows:
                name = cls[1].removesuffix(" regimen")
                return f"other {name} regimens in the same population", rows
    if "population" in base and any(k in base for k in ("regimen", "drug", "study")):
        loose = {k: v for k, v in base.items() if k in ("population", "endpoint", "regimen_class", "drug_class")}
        _q, _c, rows = _rows(store, "results", loose)
        rows = _dedupe(rows, "result")
        if rows:
            return "other regimens in the same population", rows
    return "", []


def _narrowest_class(store: GraphStore, regimen: str) -> tuple[str, str] | None:
    """The inferred class of a regimen with the fewest members, the deeper one on a tie (anti-CD38 triplet before
    anti-CD38 regimen); drug counts alone (triplet, doublet) are too broad to be 'the same class'."""
    query = f"""SELECT ?c ?label (COUNT(DISTINCT ?other) AS ?n) WHERE {{
        <{regimen}> a ?c . ?c rdfs:subClassOf+ mm:Regimen ; rdfs:label ?label . ?other a ?c
        FILTER(?c NOT IN (mm:Doublet, mm:Triplet, mm:Quadruplet, mm:SingleAgentRegimen)) }} GROUP BY ?c ?label"""
    rows = [(term_value(r["c"]), term_value(r["label"]), int(term_value(r["n"]))) for r in solutions(store, query)]
    if not rows:
        return None
    fewest = min(n for _c, _l, n in rows)
    tied = [(c, label) for c, label, n in rows if n == fewest]
    depth = {c: len(list(solutions(store, f"SELECT ?s WHERE {{ <{c}> rdfs:subClassOf+ ?s }}"))) for c, _l in tied}
    return max(tied, key=lambda t: depth[t[0]])


def _subject_word(u: Understanding) -> str:
    for slot, word in (("regimen", "regimen"), ("regimen_class", "kind of regimen"), ("drug", "drug"),
                       ("drug_class", "drug class"), ("study", "study")):
        if slot in u.slots:
            return word
    return "question"


def _sources(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    out = []
    seen = set()
    for r in rows:
        quote = r.get("quote", "")
        if not quote:
            continue
        for single_quote, location in zip(quote.split(" | "), (r.get("location") or "").split(" | "), strict=False):
            key = (r.get("source_label", ""), single_quote)
            if key in seen:
                continue
            seen.add(key)
            out.append({"source": r.get("source_label", ""), "location": location, "quote": single_quote})
    return out[:30]


def _list_sentence(rows: list[dict[str, str]], label_column: str, noun: str) -> str:
    names = sorted({r.get(label_column, "") for r in rows if r.get(label_column)})
    if not names:
        return f"No {noun} match."
    shown = ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
    return f"{len(names)} {noun}: {shown}."


def _sentence(u: Understanding, rows: list[dict[str, str]]) -> str:
    t = u.template
    if t in NUMERIC_TEMPLATES:
        rows = _dedupe(rows, "result")
        items = "; ".join(_result_phrase(r) for r in rows[:MAX_SENTENCE_ITEMS])
        more = f" (and {len(rows) - MAX_SENTENCE_ITEMS} more in the table)" if len(rows) > MAX_SENTENCE_ITEMS else ""
        lead = "Best first — " if t == "ranking" else ""
        return f"{lead}{items}{more}."
    if t == "gaps":
        rows = _dedupe(rows, "gap")
        stated = sum(1 for r in rows if r.get("origin") == "stated")
        studies = sorted({r.get("study_label", "") for r in rows if r.get("study_label")})
        return (f"{len(rows)} data gaps ({stated} stated by a source, {len(rows) - stated} derived: no source gives "
                f"the value) in {len(studies)} studies: {', '.join(studies[:12])}.")
    if t == "list-trials":
        return _list_sentence(rows, "label", "studies")
    if t == "list-drugs":
        if len(rows) == 1:
            return f"{rows[0]['label']}: {rows[0].get('classes', '')}."
        return _list_sentence(rows, "label", "drugs")
    if t == "list-regimens":
        return _list_sentence(rows, "label", "regimens")
    if t == "trial-facts":
        facts = [f"{r['fact']}: {r['value']}" for r in rows if r.get("value") and not r.get("quote")]
        return (f"{u.labels.get('study', '')}: " + "; ".join(facts[:8]) + f" — and {len(rows) - len(facts)} "
                "statements of the sources in the table.")
    if t == "mappings":
        links = [f"{r['scheme'].rsplit('/', 1)[-1]} {r['target']} ({r['predicate'].rsplit('#', 1)[-1]})"
                 for r in rows if r.get("is_gap") != "true"]
        none = sorted({r["scheme"].rsplit("/", 1)[-1] for r in rows if r.get("is_gap") == "true"})
        sentence = f"{u.labels.get('entity', '')}: " + ("; ".join(links) if links else "no verified identifier")
        return sentence + (f". No identifier verified in: {', '.join(none)}." if none else ".")
    if t == "safety":
        rows = _dedupe(rows, "finding")
        events = sorted({e for r in rows for e in (r.get("events") or "").split(", ") if e})
        return f"{len(rows)} safety findings; adverse events named: {', '.join(events[:15]) or 'none listed'}."
    if t == "discrepancies":
        kinds = {r.get("discrepancy", ""): r.get("kind", "") for r in rows}
        conflicts = sum(1 for k in kinds.values() if k == "conflict")
        return (f"{len(kinds)} discrepancies: {conflicts} conflicts between or within the sources and "
                f"{len(kinds) - conflicts} later data cuts; each value is kept with its source.")
    return f"{len(rows)} rows."


def answer_question(question: str, store: GraphStore) -> dict[str, Any]:
    """The answer object of the design notes, for any question (understood or not)."""
    ctx = context(store)
    u = understand(question, ctx.lexicon)
    base: dict[str, Any] = {
        "question": question, "understood": False, "template": None, "slots": {}, "sparql": None, "answer": "",
        "columns": [], "rows": [], "gaps": [], "sources": [], "confidence": 0.0, "alternatives": [],
        "suggestions": [],
    }
    if u.template is None:
        base["answer"] = ("I could not match this to a question about the graph (treatments for multiple myeloma "
                          "after frontline lenalidomide). Try one of the suggestions.")
        base["suggestions"] = SUGGESTIONS[:3]
        return base
    query, columns, rows = _rows(store, u.template, u.slots)
    answer: dict[str, Any] = {
        **base, "understood": True, "template": u.template,
        "slots": {k: {"iri": v, "label": u.labels.get(k, "")} for k, v in u.slots.items()},
        "sparql": sparql_prologue() + query, "columns": columns, "rows": rows,
        "confidence": u.confidence, "alternatives": u.alternatives,
    }
    gaps = _gap_rows(store, u) if u.template in NUMERIC_TEMPLATES | {"gaps"} else []
    answer["gaps"] = [{k: g.get(k, "") for k in ("gap", "origin", "study_label", "population_label",
                                                  "endpoint_label", "kind", "source_label", "quote")}
                      for g in gaps]
    if rows:
        answer["answer"] = _sentence(u, rows)
    elif u.template in NUMERIC_TEMPLATES:
        studies = sorted({g.get("study_label", "") for g in gaps if g.get("study_label")})
        sentence = f"Not reported: no source gives {_asked(u)}."
        if studies:
            sentence += f" Data gaps are recorded for {', '.join(studies[:10])}."
        how, nearest = _nearest(store, u)
        if nearest:
            sentence += f" Nearest evidence ({how}): " + "; ".join(_result_phrase(r) for r in nearest[:3]) + "."
            answer["nearest"] = {"basis": how, "rows": nearest[:20]}
        answer["answer"] = sentence
    else:
        answer["answer"] = f"Nothing in the graph matches ({u.template.replace('-', ' ')} for {_asked(u)})."
    if u.notes:
        answer["answer"] += " Note: " + "; ".join(u.notes) + "."
    answer["sources"] = _sources(rows or answer.get("nearest", {}).get("rows", []))
    return answer
