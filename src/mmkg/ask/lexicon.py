"""Entity linking for questions: every prefLabel/altLabel of the graph's drugs, classes, regimens, studies,
populations, endpoints and sources, and of the ontology's regimen and study classes, looked up by a normalised key
that ignores case, hyphens, spacing and plural s; small typos are forgiven by fuzzy matching of longer spans.
Built once per served graph (synonyms are added in the graph, never here)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from mmkg.graphstore import GraphStore
from mmkg.namespaces import ID, MM
from mmkg.query import solutions, term_value

DRUG_IRI = ID + "drug/"

# slot kind → the class whose instances (or, for *_class kinds, subclasses) carry the labels
INSTANCE_KINDS = {
    "regimen": MM.Regimen, "drug": MM.Drug, "drug_class": MM.DrugClass, "study": MM.Study,
    "population": MM.Population, "endpoint": MM.Endpoint, "source": MM.ReviewArticle,
}
CLASS_KINDS = {"regimen_class": MM.Regimen, "kind": MM.Study}
NOT_A_KIND = {str(MM.Trial)}  # "trial" is the default kind of study, not a filter
# When one surface form names entities of several kinds, the more specific reading wins:
# "cell therapy" is a kind of regimen before a drug class; "lenalidomide" a drug before a single-agent regimen.
PRIORITY = ["regimen_class", "kind", "endpoint", "population", "drug_class", "drug", "regimen", "study", "source"]
MAX_SPAN = 7
FUZZY_MIN_CHARS = 5
# Labels that are also everyday words match only when written as the source writes them ("FIRST", not "first").
CASE_SENSITIVE_KEYS = {"first", "aspire"}
# Words that never start or end a fuzzy span, and never match fuzzily alone: typo tolerance is for names.
STOPWORDS = {
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "with", "and", "or", "by", "after", "before", "from",
    "vs", "versus", "v", "what", "which", "who", "how", "many", "much", "is", "are", "was", "were", "did", "do",
    "does", "give", "gave", "show", "list", "tell", "me", "about", "there", "any", "their", "its", "this", "that",
    "regimen", "trial", "study", "therapy", "treatment", "patient", "drug", "data", "result", "line", "prior",
    "number", "compare", "compared", "than", "best", "longest", "highest", "missing",
}

_SPLIT = re.compile(r"[^\w+≥≤%]+", re.UNICODE)
# Regimen abbreviations spelt letter by letter, case-sensitive: D is daratumumab but d is dexamethasone; P is
# pomalidomide, or prednisone where only that gives a known regimen; V is bortezomib. Longest code first.
DRUG_CODES: list[tuple[str, tuple[str, ...]]] = [
    ("Dara", ("daratumumab",)), ("Isa", ("isatuximab",)), ("Elo", ("elotuzumab",)), ("Pom", ("pomalidomide",)),
    ("Len", ("lenalidomide",)), ("Dex", ("dexamethasone",)), ("dex", ("dexamethasone",)), ("Pan", ("panobinostat",)),
    ("Ven", ("venetoclax",)), ("Cy", ("cyclophosphamide",)), ("D", ("daratumumab",)), ("d", ("dexamethasone",)),
    ("K", ("carfilzomib",)), ("V", ("bortezomib",)), ("P", ("pomalidomide", "prednisone")), ("R", ("lenalidomide",)),
    ("S", ("selinexor",)), ("B", ("belantamab-mafodotin",)), ("I", ("ixazomib",)), ("E", ("elotuzumab",)),
    ("C", ("cyclophosphamide",)), ("M", ("melphalan",)), ("T", ("thalidomide",)),
]
_RAW_WORD = re.compile(r"[A-Za-z]{2,10}")
_ROMAN_PHASE = {"iii": "3", "ii": "2", "i": "1", "iv": "4"}


def normalise_tokens(text: str) -> list[str]:
    """Lower-case word tokens; hyphens, slashes and punctuation separate words; a final plural s is dropped;
    '>' and '≥' become words, so '>1 prior line' and '1 prior line' stay apart."""
    text = text.casefold().replace("’", "'").replace("≥", " ge ").replace(">", " gt ").replace("≤", " le ")
    tokens = [t for t in _SPLIT.split(text) if t]
    out = []
    for i, t in enumerate(tokens):
        if t in _ROMAN_PHASE and i > 0 and tokens[i - 1] == "phase":
            t = _ROMAN_PHASE[t]
        if len(t) > 3 and t.endswith("s") and not t.endswith(("ss", "us", "is")):
            t = t[:-1]
        out.append(t)
    return out


def key_of(tokens: list[str]) -> str:
    return "".join(tokens)


@dataclass(frozen=True)
class Entity:
    iri: str
    kind: str
    label: str  # the preferred label, for answers


@dataclass(frozen=True)
class Mention:
    """A span of the question linked to one or more entities of one kind (more than one: ambiguous)."""

    start: int
    end: int  # token positions, end exclusive
    text: str
    kind: str
    entities: tuple[Entity, ...]
    fuzzy: bool = False
    key: str = ""  # the lexicon key matched (the corrected spelling, for a fuzzy match)

    @property
    def entity(self) -> Entity:
        return self.entities[0]


@dataclass
class Lexicon:
    by_key: dict[str, dict[str, set[Entity]]] = field(default_factory=dict)  # key → kind → entities
    fuzzy_keys: list[str] = field(default_factory=list)
    regimen_drugs: dict[str, frozenset[str]] = field(default_factory=dict)  # regimen IRI → drug IRIs
    regimen_by_drugs: dict[frozenset[str], Entity] = field(default_factory=dict)
    label_of: dict[str, str] = field(default_factory=dict)  # IRI → preferred label

    def add(self, label: str, entity: Entity) -> None:
        key = key_of(normalise_tokens(label))
        self.label_of.setdefault(entity.iri, entity.label)
        if not key:
            return
        self.by_key.setdefault(key, {}).setdefault(entity.kind, set()).add(entity)

    def finish(self) -> None:
        self.fuzzy_keys = [k for k in self.by_key if len(k) >= FUZZY_MIN_CHARS]

    def lookup(self, key: str) -> tuple[str, tuple[Entity, ...]] | None:
        kinds = self.by_key.get(key)
        if not kinds:
            return None
        kind = min(kinds, key=PRIORITY.index)
        return kind, tuple(sorted(kinds[kind], key=lambda e: e.iri))

    def fuzzy_key(self, key: str, strict: bool = False) -> str | None:
        """The closest label key to a misspelt one: at most 1 edit (a swap of neighbours counts as one) for
        5–6 characters, 2 up to 12, 3 beyond; 1 when the span also holds a correctly spelt name."""
        if len(key) < FUZZY_MIN_CHARS:
            return None
        edits = 1 if strict or len(key) < 7 else (2 if len(key) <= 12 else 3)
        candidates = [k for k in self.fuzzy_keys if abs(len(k) - len(key)) <= edits]
        best = process.extractOne(key, candidates, scorer=DamerauLevenshtein.distance, score_cutoff=edits)
        return str(best[0]) if best else None

    def link(self, question: str) -> tuple[list[str], list[Mention]]:
        """Longest spans first (an exact match, else a close one), so a misspelt long name is not cut into a
        shorter exact one; spans do not overlap; a fuzzy span never swallows a word that is a name by itself."""
        tokens = normalise_tokens(question)
        exact_words = {t for t in tokens if t in self.by_key and t not in CASE_SENSITIVE_KEYS}
        taken = [False] * len(tokens)
        mentions: list[Mention] = []
        top = min(MAX_SPAN, len(tokens))
        # multi-word exact names first, then (longest first) close matches, then single exact words
        passes = [(size, False) for size in range(top, 1, -1)]
        passes += [p for size in range(min(3, top), 0, -1) for p in ((size, True), (size, False)) if size == 1 or p[1]]
        for size, fuzzy in passes:
            for start in range(0, len(tokens) - size + 1):
                end = start + size
                if any(taken[start:end]):
                    continue
                span = tokens[start:end]
                if fuzzy and (span[0] in STOPWORDS or span[-1] in STOPWORDS or span[0].isdigit()):
                    continue
                key = key_of(span)
                if key in CASE_SENSITIVE_KEYS and key.upper() not in question:
                    continue
                if fuzzy:
                    # a close match may include a correctly spelt name only if that name is part of it, and
                    # then must be closer ('lenalidomide exposd' → lenalidomide-exposed, not 'overal survival DVd')
                    exact_inside = [t for t in span if t in exact_words]
                    match = self.fuzzy_key(key, strict=bool(exact_inside))
                    found = self.lookup(match) if match and all(t in match for t in exact_inside) else None
                else:
                    match = None
                    found = self.lookup(key)
                if found is None:
                    continue
                kind, entities = found
                matched = (match or key) if fuzzy else key
                mentions.append(Mention(start, end, " ".join(span), kind, entities, fuzzy, matched))
                for i in range(start, end):
                    taken[i] = True
        ordered = self._merge_adjacent(sorted(mentions, key=lambda m: m.start))
        ordered = self._spelt_regimens(question, tokens, taken, ordered)
        return tokens, self._merge_drug_sets(tokens, ordered)

    def _spelt_regimens(self, question: str, tokens: list[str], taken: list[bool],
                        mentions: list[Mention]) -> list[Mention]:
        """Unlinked words spelt from drug codes ('VdD', 'PdD', 'KRdD') name the regimen with exactly those drugs."""
        extra = []
        for raw in _RAW_WORD.findall(question):
            if raw.islower() or (raw.isupper() and len(raw) > 4):
                continue  # codes mix cases ('VdD'); all-lower or long all-caps words are ordinary words
            folded = raw.casefold()
            positions = [i for i, t in enumerate(tokens) if t == folded and not taken[i]]
            if not positions:
                continue
            regimen = self._regimen_from_codes(raw)
            if regimen is not None:
                i = positions[0]
                taken[i] = True
                extra.append(Mention(i, i + 1, tokens[i], "regimen", (regimen,), False, folded))
        return sorted(mentions + extra, key=lambda m: m.start)

    def _regimen_from_codes(self, word: str) -> Entity | None:
        def parse(rest: str) -> list[list[str]]:
            if not rest:
                return [[]]
            readings = []
            for code, drugs in DRUG_CODES:
                if rest.startswith(code):
                    for tail in parse(rest[len(code):]):
                        readings += [[drug, *tail] for drug in drugs]
            return readings
        found = {self.regimen_by_drugs.get(frozenset(f"{DRUG_IRI}{d}" for d in reading))
                 for reading in parse(word) if len(set(reading)) == len(reading) > 1}
        found.discard(None)
        return found.pop() if len(found) == 1 else None

    def _merge_adjacent(self, mentions: list[Mention]) -> list[Mention]:
        """Neighbouring mentions whose keys together form a label are that label ('anti-CD38' + 'tripplets')."""
        out: list[Mention] = []
        for m in mentions:
            prev = out[-1] if out else None
            if prev is not None and prev.end == m.start:
                found = self.lookup(prev.key + m.key)
                if found is not None:
                    kind, entities = found
                    out[-1] = Mention(prev.start, m.end, f"{prev.text} {m.text}", kind, entities,
                                      prev.fuzzy or m.fuzzy, prev.key + m.key)
                    continue
            out.append(m)
        return out

    def _merge_drug_sets(self, tokens: list[str], mentions: list[Mention]) -> list[Mention]:
        """A regimen is its drug set: drugs and regimens written side by side ('Darzalex-Kd', 'isatuximab plus Pd')
        name the regimen whose drugs are their union, when the graph has it."""
        runs: list[list[Mention]] = []
        for m in mentions:
            prev = runs[-1][-1] if runs else None
            if (prev is not None and prev.kind in ("drug", "regimen") and m.kind in ("drug", "regimen")
                    and set(tokens[prev.end:m.start]) <= {"plus", "+", "and", "with"}):
                runs[-1].append(m)
            else:
                runs.append([m])
        merged: list[Mention] = []
        for run in runs:
            drugs = set().union(*(self._drugs_of(m) for m in run)) if len(run) > 1 else set()
            regimen = self.regimen_by_drugs.get(frozenset(drugs)) if len(drugs) > 1 else None
            if regimen is not None:
                merged.append(Mention(run[0].start, run[-1].end, " ".join(tokens[run[0].start:run[-1].end]),
                                      "regimen", (regimen,), any(m.fuzzy for m in run)))
            else:
                merged.extend(run)
        return merged

    def _drugs_of(self, mention: Mention) -> set[str]:
        if mention.kind == "drug":
            return {mention.entity.iri}
        return set(self.regimen_drugs.get(mention.entity.iri, ()))


def build_lexicon(store: GraphStore) -> Lexicon:
    lexicon = Lexicon()
    labels = "skos:prefLabel|skos:altLabel|rdfs:label"
    for kind, cls in INSTANCE_KINDS.items():
        query = f"SELECT ?x ?pref ?l WHERE {{ ?x a <{cls}> ; skos:prefLabel ?pref ; {labels} ?l }}"
        for row in solutions(store, query):
            entity = Entity(term_value(row["x"]), kind, term_value(row["pref"]))
            lexicon.add(term_value(row["l"]), entity)
    for kind, parent in CLASS_KINDS.items():
        query = (f"SELECT ?c ?pref ?l WHERE {{ ?c rdfs:subClassOf+ <{parent}> ; rdfs:label ?pref ; {labels} ?l "
                 f"FILTER(STRSTARTS(STR(?c), STR(mm:))) }}")
        for row in solutions(store, query):
            if term_value(row["c"]) in NOT_A_KIND:
                continue
            entity = Entity(term_value(row["c"]), kind, term_value(row["pref"]))
            lexicon.add(term_value(row["l"]), entity)
    components: dict[str, set[str]] = {}
    labels_of: dict[str, str] = {}
    for row in solutions(store, "SELECT ?r ?l ?d WHERE { ?r a mm:Regimen ; skos:prefLabel ?l ; mm:hasComponent ?d }"):
        components.setdefault(term_value(row["r"]), set()).add(term_value(row["d"]))
        labels_of[term_value(row["r"])] = term_value(row["l"])
    for regimen, drugs in components.items():
        lexicon.regimen_drugs[regimen] = frozenset(drugs)
        lexicon.regimen_by_drugs[frozenset(drugs)] = Entity(regimen, "regimen", labels_of[regimen])
    lexicon.finish()
    return lexicon
