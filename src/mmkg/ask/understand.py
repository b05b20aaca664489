"""Where a question becomes a template and slots: the family is chosen by the wording (rules below, in order),
the slots are the entities the lexicon linked. Nothing typed by the user reaches SPARQL as text: slots are IRIs of
entities found in the graph, bound later as RDF terms."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from mmkg.ask.lexicon import Lexicon, Mention
from mmkg.namespaces import ID, MM

POP = ID + "population/"
EP = ID + "endpoint/"

# Which slots each template takes (queries/*.rq headers); other linked entities are dropped.
TEMPLATE_SLOTS: dict[str, set[str]] = {
    "results": {"study", "regimen", "drug", "drug_class", "regimen_class", "population", "endpoint", "source"},
    "gaps": {"study", "regimen", "drug", "drug_class", "regimen_class", "population", "endpoint"},
    "ranking": {"endpoint", "population", "regimen_class", "drug_class"},
    "head-to-head": {"regimen", "regimen2", "population", "endpoint"},
    "other-studies": {"kind", "regimen"},
    "list-trials": {"drug", "regimen", "drug_class", "population", "phase", "comparator", "status", "kind"},
    "trial-facts": {"study"},
    "list-drugs": {"drug", "drug_class"},
    "list-regimens": {"drug", "drug_class", "regimen_class"},
    "safety": {"study", "regimen", "drug"},
    "discrepancies": {"study"},
    "list-sources": set(),
    "list-populations": set(),
    "list-drug-classes": set(),
    "mappings": {"entity"},
}

# Two populations named together mean their intersection.
POPULATION_COMBINATIONS = {
    frozenset({POP + "len-refractory", POP + "one-prior-line"}): POP + "len-refractory-1-prior-line",
    frozenset({POP + "len-exposed", POP + "one-prior-line"}): POP + "len-exposed-1-prior-line",
    frozenset({POP + "len-refractory", POP + "more-than-one-prior-line"}):
        POP + "len-refractory-more-than-1-prior-line",
    frozenset({POP + "len-refractory-1-prior-line", POP + "one-prior-line"}): POP + "len-refractory-1-prior-line",
    frozenset({POP + "len-refractory", POP + "len-refractory-1-prior-line"}): POP + "len-refractory-1-prior-line",
}


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


DISCREPANCY = _rx(r"\b(conflict\w*|disagree\w*|discrepan\w*|contradict\w*|inconsisten\w*|data[- ]?cuts?|"
                  r"chang(e|ed|es|ing)\b.*\b(report|analys|publication|update|time)\w*|one report to the next|"
                  r"later (analys\w*|reports?|updates?)|updated? (analys\w*|values?|results?)|chang(e|ed|es) between|"
                  r"how (did|has) .* chang\w*|differ\w* between|between (the )?(two )?(reviews|sources|reports))\b")
GAPS = _rx(r"\b(mis+ing|not reported|unreported|gaps?|no data|lack\w*|unknown|not available|unavailable|"
           r"did ?n[o']?t report|fail(ed|s)? to report|not (been )?(reported|specified|evaluated|given)|unspecified|"
           r"absent|what'?s missing|no (pfs|os|results?|numbers?|evidence)|without (data|results))\b")
SAFETY = _rx(r"\b(saf\w*t\w*y|tox\w*|adverse|side[- ]?ef+ects?|tolerab\w*|neutropenia|infections?|"
             r"neuropathy|pneumonia|thrombocytopenia|ocular|teaes?|aes)\b")
FACTS = _rx(r"\b(nct|registry|registration|clinicaltrials(\.gov)?|eudract|identifier|trial number|what phase|"
            r"which phase|phase of|design(ed)?|randomi[sz](ed|ation)|inclusion|exclusion|eligib\w*|criteria|criterion|"
            r"doses?|dosing|dosed|schedule|enrol?l?ment|enrol?l?ed|planned|comparator arm|control arm|arms?|"
            r"follow[- ]?up|followed|f/u|objec?t\w*|primary end[- ]?point|status|phase(?!\s*\d|\s*i))\b")
MAPPING = _rx(r"\b(chebi|ncit|nci thesaurus|drugbank|atc( codes?)?|mesh|wikidata|mondo|doid|icd[- ]?10|"
              r"ontology (ids?|codes?|terms?)|external (ids?|identifiers?|codes?)|mapped|mappings?|"
              r"cross[- ]?references?|xrefs?)\b")
OTHER = _rx(r"\b(real[- ]world|real[- ]life|retrospective|pooled|meta[- ]analys\w*|indirect\w*|maic|"
            r"matching[- ]adjusted)\b")
RANKING = _rx(r"\b(best|longest|highest|top|rank\w*|most (effective|active|efficacious)|greatest|lowest|strongest|"
              r"which (regimen|treatment|combination|option)s? (gives?|has|had|achieved?|shows?|produced?|yields?))\b")
VERSUS = _rx(r"(\bvs\.?(?=\s|$)|\bversus\b|\bv\.?\s|\bcompared? (with|to|against)\b|\bcomparison\b|"
             r"\bhead[- ]to[- ]head\b|\bbetter than\b|\bagainst\b|\bcompare\b)")
TRIALS = _rx(r"\b(trials?|trails?|studies)\b|\b(ongoing|onging|on-going)\b")
CLASS_OF = _rx(r"\b(what|which) (kind|class|type|sort|family) of (drug|agent|medication|molecule|medicine)\b|"
               r"\b(drug|pharmacologic\w*) class\b|\bclass of\b|\b(what|which) class\b|\bmechanism\b|"
               r"\bwhat is \w+\b.*\bclass\b|"
               r"\bwhat (kind|type) of\b")
DRUGS_OF = _rx(r"\b(which|what|list|name|show)\b.*\b(drugs?|agents?|medications?|medicines?|molecules?)\b")
REGIMENS_OF = _rx(r"\b(regimens?|combinations?|triplets?|doublets?|quadruplets?)\b")
SOURCES = _rx(r"\b(review articles?|sources?|references?|papers?|publications?)\b")
POPULATIONS = _rx(r"\b(subgroups?|populations?|patient groups?)\b")
DRUG_CLASSES = _rx(r"\b(kinds?|class(es)?|types?|families|categories) of (drugs?|agents?|medications?)\b|"
                   r"\bdrug (classes|categories)\b")
COUNT = _rx(r"\bhow many\b|\bnumber of\b.*\b(patients|pts)\b|\bpatient count\b|\bsample size\b|\bcohort size\b|"
            r"\bn ?=|\bn\b")
COMPARATOR = _rx(r"\bcomparators?\b|\bcontrol\b")
ONGOING = _rx(r"\b(ongoing|onging|ongoin|on-going|"
              r"recruiting|still running|not yet (reported|published)|under ?way|in progress|running)\b")
REPORTED = _rx(r"\b(completed|have reported|reported results|already reported|published results)\b")
PHASE = _rx(r"\bph(?:ase|\.)?\s*(1b/2|1/2|1b|3|2|1|iii|ii|i)\b")
INJECTION = _rx(r"(\bdrop\b|\binsert\b|\bdelete\b|\bselect\b.*\bwhere\b|[{};]|--|\bunion\b|\bclear all\b)")
PHASES = {"1b/2": "Phase1b2", "1/2": "Phase1_2", "1b": "Phase1b", "3": "Phase3", "2": "Phase2", "1": "Phase1",
          "iii": "Phase3", "ii": "Phase2", "i": "Phase1"}
KIND_WORDS = [(_rx(r"\b(real[- ]world|real[- ]life|retrospective)\b"), "RealWorldStudy"),
              (_rx(r"\bpooled\b"), "PooledAnalysis"), (_rx(r"\bmeta[- ]analys\w*\b"), "MetaAnalysis"),
              (_rx(r"\b(indirect\w*|maic|matching[- ]adjusted)\b"), "IndirectTreatmentComparison")]


@dataclass
class Understanding:
    template: str | None
    slots: dict[str, str] = field(default_factory=dict)  # slot → IRI
    labels: dict[str, str] = field(default_factory=dict)  # slot → label, for answers
    mentions: list[Mention] = field(default_factory=list)
    confidence: float = 0.0
    alternatives: list[dict[str, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _first(mentions: list[Mention], kind: str) -> list[Mention]:
    return [m for m in mentions if m.kind == kind]


def understand(question: str, lexicon: Lexicon) -> Understanding:
    _tokens, mentions = lexicon.link(question)
    text = " ".join(question.split())
    found: dict[str, list[Mention]] = {}
    for m in mentions:
        found.setdefault(m.kind, []).append(m)
    has = found.__contains__
    named = any(has(k) for k in ("study", "regimen", "drug", "drug_class", "regimen_class"))

    if INJECTION.search(text) and not mentions:
        return Understanding(None, mentions=mentions, notes=["looks like code, not a question"])
    only = {m.kind for m in mentions}
    lone_class = only == {"drug_class"}

    template: str | None
    if not mentions and SOURCES.search(text) and re.search(r"\b(which|what|based|built|come|from|cite)", text, re.I):
        template = "list-sources"
    elif not mentions and POPULATIONS.search(text):
        template = "list-populations"
    elif not mentions and DRUG_CLASSES.search(text):
        template = "list-drug-classes"
    elif DISCREPANCY.search(text):
        template = "discrepancies"
    elif SAFETY.search(text) and (named or "safety" in text.lower()):
        template = "safety"
    elif GAPS.search(text) and (mentions or "evidence" in text.lower() or "data" in text.lower()):
        template = "gaps"
    elif (OTHER.search(text) or has("kind")) and not (has("endpoint") and has("study")):
        template = "other-studies"
    elif MAPPING.search(text) and (has("drug") or has("drug_class")) and not has("study"):
        template = "mappings"
    elif FACTS.search(text) and has("study") and not has("population") and not COUNT.search(text.split("enrol")[0]):
        template = "trial-facts"
    elif TRIALS.search(text) and not has("endpoint") and not has("study") and not COUNT.search(text):
        template = "list-trials"
    elif VERSUS.search(text) and _comparable(found, lexicon):
        template = "head-to-head"
    elif RANKING.search(text) and (has("endpoint") or has("population") or has("regimen_class")):
        template = "ranking"
    elif _asks_for_drugs(text, has):
        template = "list-drugs"
    elif REGIMENS_OF.search(text) and not has("endpoint") and not has("population") and not has("study"):
        template = "list-regimens"
    elif lone_class:
        template = "list-drugs"
    elif named or has("population"):
        template = "results"
    elif FACTS.search(text) and has("study"):
        template = "trial-facts"
    else:
        return Understanding(None, mentions=mentions)

    result = Understanding(template, mentions=mentions)
    _fill_slots(result, text, found, lexicon)
    if template == "results" and VERSUS.search(text) and len(found.get("drug", [])) > 1:
        result.notes.append("a comparison needs regimens and none of the drugs named is a regimen on its own: results "
                            f"of {result.labels.get('drug', 'the first drug')} only; name the regimens to compare "
                            "(e.g. DKd vs Kd)")
    fuzzy = any(m.fuzzy for m in mentions)
    ambiguous = any(len(m.entities) > 1 for m in mentions)
    result.confidence = round(1.0 - (0.15 if fuzzy else 0) - (0.25 if ambiguous else 0)
                              - (0.1 if result.notes else 0), 2)
    for m in mentions:
        if len(m.entities) > 1:
            result.alternatives.append({"text": m.text, "kind": m.kind,
                                        "candidates": [{"iri": e.iri, "label": e.label} for e in m.entities]})
    return result


def _comparable(found: dict[str, list[Mention]], lexicon: Lexicon) -> bool:
    """A head-to-head compares regimens, so one must be named: a regimen, or, among two drugs or more, a drug
    that is a regimen alone (cilta-cel versus PVd). Two combination drugs (daratumumab vs carfilzomib) are not."""
    if found.get("regimen"):
        return True
    drugs = found.get("drug", [])
    return len(drugs) > 1 and any(frozenset({m.entity.iri}) in lexicon.regimen_by_drugs for m in drugs)


def _asks_for_drugs(text: str, has: Callable[[str], bool]) -> bool:
    """'What kind of drug is selinexor' (a drug's class), 'which drugs are proteasome inhibitors' (a class's drugs)."""
    if has("endpoint"):
        return False
    if CLASS_OF.search(text) and has("drug"):
        return True
    return bool(DRUGS_OF.search(text) and has("drug_class") and not has("population"))


def _set(result: Understanding, slot: str, iri: str, label: str) -> None:
    assert result.template is not None
    if slot in TEMPLATE_SLOTS[result.template] and slot not in result.slots:
        result.slots[slot] = iri
        result.labels[slot] = label


def _fill_slots(result: Understanding, text: str, found: dict[str, list[Mention]], lexicon: Lexicon) -> None:
    template = result.template
    assert template is not None
    if template == "mappings":
        # the entity whose links are asked for: the first drug, else the first drug class
        for m in (found.get("drug") or found.get("drug_class") or [])[:1]:
            _set(result, "entity", m.entity.iri, m.entity.label)
        return
    populations = [m.entity for m in found.get("population", [])]
    if populations:
        iris = {p.iri for p in populations}
        combined = POPULATION_COMBINATIONS.get(frozenset(iris)) if len(iris) == 2 else None
        if combined:
            _set(result, "population", combined, lexicon.label_of.get(combined, combined.rsplit("/", 1)[1]))
        else:
            _set(result, "population", populations[0].iri, populations[0].label)
    for kind in ("study", "drug", "drug_class", "regimen_class", "source", "kind"):
        for m in found.get(kind, [])[:1]:
            _set(result, kind, m.entity.iri, m.entity.label)
    regimens = found.get("regimen", [])
    if template in ("head-to-head", "other-studies"):
        # a drug named alone in a comparison is its single-agent regimen (cilta-cel versus PVd)
        singles = [m for m in found.get("drug", []) if frozenset({m.entity.iri}) in lexicon.regimen_by_drugs]
        converted = [Mention(m.start, m.end, m.text, "regimen", (lexicon.regimen_by_drugs[frozenset({m.entity.iri})],))
                     for m in singles]
        regimens = sorted(regimens + converted, key=lambda m: m.start)
    if regimens:
        if template == "list-trials" and COMPARATOR.search(text):
            _set(result, "comparator", regimens[0].entity.iri, regimens[0].entity.label)
        else:
            _set(result, "regimen", regimens[0].entity.iri, regimens[0].entity.label)
        if len(regimens) > 1:
            _set(result, "regimen2", regimens[1].entity.iri, regimens[1].entity.label)
    # the most specific endpoint named wins: '12-month PFS' over 'proportion of patients'
    endpoints = sorted(found.get("endpoint", []),
                       key=lambda m: m.entity.iri.endswith(("/patients", "/percent-of-patients")))
    if template == "results" and COUNT.search(text) and not any(e.entity.iri.endswith("percent-of-patients")
                                                                 for e in endpoints):
        _set(result, "endpoint", EP + "patients", "number of patients")
    for m in endpoints[:1]:
        _set(result, "endpoint", m.entity.iri, m.entity.label)
    if template == "ranking" and "endpoint" not in result.slots:
        _set(result, "endpoint", EP + "median-pfs", "median progression-free survival")
        result.notes.append("no endpoint named: ranked by median PFS")
    if template == "other-studies" and "kind" not in result.slots:
        for pattern, name in KIND_WORDS:
            if pattern.search(text):
                _set(result, "kind", str(MM[name]), name)
                break
    if template == "list-trials":
        phase = PHASE.search(text)
        if phase:
            _set(result, "phase", str(MM[PHASES[phase.group(1).lower()]]), "phase " + phase.group(1))
        if ONGOING.search(text):
            _set(result, "status", str(MM.StudyOngoing), "ongoing")
        elif REPORTED.search(text):
            _set(result, "status", str(MM.StudyReported), "reported")
