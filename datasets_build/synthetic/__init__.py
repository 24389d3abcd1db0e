"""Seeded generator of Swedish and English preference pairs (support email, meeting summary, knowledge QA).

Chosen answers are correct, polite and complete; rejected ones are plausibly worse in one of five
consistent ways (curt, wrong, leaks personal data, ignores the question, wrong language), so that even
a tiny model can learn the preference within a few dozen DPO steps. The two answers of a pair are
padded to about the same length, with a random sign: what separates them is content and style, never
length (a length gap lets a model "prefer" chosen just by scoring short texts higher).
"""

from __future__ import annotations

import math
import random
import re
from functools import lru_cache
from types import ModuleType
from typing import Any

from datasets_build.synthetic import lang_en, lang_sv
from datasets_build.synthetic.fakes import Person, case_id

DOMAINS = ("support_email", "meeting_summary", "knowledge_qa")
# The production Swedish mix: 480 pairs, ~150 meeting summaries, ~96 knowledge QA, the rest support email.
DEFAULT_WEIGHTS = {"support_email": 0.49, "meeting_summary": 0.31, "knowledge_qa": 0.20}
REJECTED_KINDS = ("curt", "wrong", "leak", "ignore", "wrong_language")
PACKS: dict[str, ModuleType] = {"sv": lang_sv, "en": lang_en}


def _support(rng: random.Random, lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    pack = PACKS[lang]
    key = rng.choice(sorted(pack.SUPPORT))
    person = Person(rng, lang)
    amount = rng.randrange(9, 400) * 10 + rng.choice((0, 9))
    facts: dict[str, Any] = {
        "scenario": key, "first": person.first, "name": person.name, "pnr": person.pnr, "phone": person.phone,
        "email": person.email, "case": case_id(rng, lang), "amount_n": amount,
        "amount2_n": amount + rng.randrange(1, 50) * 10, "item_i": rng.randrange(5), "plan_i": rng.randrange(4),
        "city_i": rng.randrange(10), "agent_i": rng.randrange(6), "dates": _dates_spec(rng),
        "task_i": rng.randrange(3), "open_i": rng.randrange(4), "contact_i": rng.randrange(4),
        "case_i": rng.randrange(3), "close_i": rng.randrange(3), "has_case": rng.random() < 0.7,
    }
    return facts, _render_support(facts, pack)


def _dates_spec(rng: random.Random) -> tuple[int, int, int, int, int]:
    return (rng.choice((2024, 2025)), rng.randrange(1, 11), rng.randrange(1, 28), rng.randrange(1, 28),
            rng.randrange(1, 28))


def _fill(facts: dict[str, Any], pack: ModuleType) -> dict[str, Any]:
    """Language-specific surface forms of language-neutral facts (so wrong-language answers match)."""
    year, m, d1, d2, d3 = facts["dates"]
    out = dict(facts)
    out.update(date=pack.day(d1, m, year), date2=pack.day(d2, m + 1, year), date3=pack.day(d3, m + 2, year),
               month=pack.MONTHS[m - 1])
    if "amount_n" in facts:
        out.update(amount=pack.money(facts["amount_n"]), amount2=pack.money(facts["amount2_n"]))
    for name, table in (("item", "ITEMS"), ("plan", "PLANS"), ("city", "CITIES"), ("agent", "AGENTS")):
        if f"{name}_i" in facts:
            out[name] = getattr(pack, table)[facts[f"{name}_i"]]
    return out


def _render_support(facts: dict[str, Any], pack: ModuleType) -> dict[str, Any]:
    f = _fill(facts, pack)
    scenario = pack.SUPPORT[facts["scenario"]]
    f["topic"] = scenario["topic"]
    f["fix"] = scenario["fix"].format(**f)
    f["wrong"] = scenario["wrong"].format(**f)
    lines = [pack.CUSTOMER_OPEN[f["open_i"]], "", scenario["issue"].format(**f)]
    tail = pack.CUSTOMER_CONTACT[f["contact_i"]].format(**f)
    if f["has_case"]:
        tail += " " + pack.CUSTOMER_CASE[f["case_i"]].format(**f)
    lines += [tail, "", pack.CUSTOMER_CLOSE[f["close_i"]], f["name"]]
    f["prompt"] = pack.SUPPORT_TASK[f["task_i"]] + "\n\n" + "\n".join(lines)
    return f


def _meeting(rng: random.Random, lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    pack = PACKS[lang]
    people = [Person(rng, lang) for _ in range(3)]
    amount = rng.randrange(50, 2000) * 1000
    facts: dict[str, Any] = {
        "p1": people[0].first, "p2": people[1].first, "p3": people[2].name, "first": people[2].first,
        "name": people[2].name, "pnr": people[2].pnr, "phone": people[1].phone, "email": people[1].email,
        "amount_n": amount, "amount2_n": amount // 2, "weeks": rng.randrange(2, 9), "dates": _dates_spec(rng),
        "project_i": rng.randrange(7), "decision_i": rng.randrange(5), "task_i": rng.randrange(3),
    }
    return facts, _render_meeting(facts, pack)


def _render_meeting(facts: dict[str, Any], pack: ModuleType) -> dict[str, Any]:
    f = _fill(facts, pack)
    f["project"] = pack.PROJECTS[f["project_i"]]
    f["decision"] = pack.DECISIONS[f["decision_i"]]
    f["prompt"] = pack.MEETING_TASK[f["task_i"]] + "\n\n" + pack.MEETING_NOTES.format(**f)
    return f


def _qa(rng: random.Random, lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    pack = PACKS[lang]
    person = Person(rng, lang)
    facts: dict[str, Any] = {
        "fact": rng.choice(sorted(pack.QA)), "intro_i": rng.randrange(len(pack.QA_INTRO)),
        "outro_i": rng.randrange(len(pack.QA_OUTRO)), "first": person.first, "name": person.name,
        "phone": person.phone, "email": person.email, "pnr": person.pnr, "dates": _dates_spec(rng),
    }
    return facts, _render_qa(facts, pack)


def _render_qa(facts: dict[str, Any], pack: ModuleType) -> dict[str, Any]:
    f = _fill(facts, pack)
    question, answer, wrong, extra = pack.QA[f["fact"]]
    f.update(answer=answer, wrong=wrong, extra=extra)
    f["prompt"] = pack.QA_INTRO[f["intro_i"]].format(**f) + question + pack.QA_OUTRO[f["outro_i"]]
    return f


_DOMAIN_FNS = {"support_email": (_support, _render_support, "SUPPORT"),
               "meeting_summary": (_meeting, _render_meeting, "MEETING"),
               "knowledge_qa": (_qa, _render_qa, "QA")}


# Log of the rejected/chosen length ratio a pair aims for, drawn uniformly from ±LENGTH_SPREAD: about
# half the rejected answers end up longer than their chosen one.
LENGTH_SPREAD = 0.2
MAX_CHOSEN_EXTRAS = 2
# Roughly one token per word, digit or punctuation run (the Qwen2 split puts each digit in its own token).
_TOKENISH = re.compile(r"\d|[^\W\d_]+|[^\w\s]+")
_PII_FIELDS = ("pnr", "phone", "email", "case")


@lru_cache(maxsize=1)
def _template_words() -> frozenset[str]:
    """Words of the phrase packs' templates: frequent enough in the corpus that BPE keeps them whole."""
    words: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            words.update(_TOKENISH.findall(value))
        elif isinstance(value, tuple | list):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)

    for pack in PACKS.values():
        for name, value in vars(pack).items():
            if name.isupper() and name != "QA":  # the QA facts are rare words, each in few pairs
                walk(value)
    return frozenset(words)


def approx_tokens(text: str, f: dict[str, Any]) -> int:
    """A tokenizer-free length estimate of `text` after PII masking: one token per template word, digit or
    punctuation run; rare words one more per four letters (BPE splits them); a masked value is three."""
    for name in _PII_FIELDS:
        value = f.get(name)
        if value:
            text = text.replace(value, "<X>")
    common = _template_words()
    pieces = _TOKENISH.findall(text)
    return len(pieces) + sum((len(w) - 1) // 4 for w in pieces if w not in common)


def _compose(template: str, f: dict[str, Any], extras: list[str]) -> str:
    more = "".join(e.format(**f) for e in extras)
    return template.format(**f, more=more) if "{more}" in template else template.format(**f) + more


def _balanced(rng: random.Random, chosen: tuple[str, tuple[str, ...], dict[str, Any]],
              rejected: tuple[str, tuple[str, ...], dict[str, Any]]) -> tuple[str, str]:
    """Chosen and rejected texts with as many of their extra sentences as bring the length ratio nearest a
    random target; ties go to fewer extras."""
    (c_tpl, c_pool, cf), (r_tpl, r_pool, rf) = chosen, rejected
    c_order, r_order = rng.sample(c_pool, len(c_pool)), rng.sample(r_pool, len(r_pool))
    target = rng.uniform(-LENGTH_SPREAD, LENGTH_SPREAD)
    c_texts = [_compose(c_tpl, cf, c_order[:k]) for k in range(min(MAX_CHOSEN_EXTRAS, len(c_order)) + 1)]
    r_texts = [_compose(r_tpl, rf, r_order[:k]) for k in range(len(r_order) + 1)]
    c_lens = [max(1, approx_tokens(t, cf)) for t in c_texts]
    r_lens = [max(1, approx_tokens(t, rf)) for t in r_texts]
    _, _, i, j = min((abs(math.log(rl / cl) - target), i + j, i, j)
                     for i, cl in enumerate(c_lens) for j, rl in enumerate(r_lens))
    return c_texts[i], r_texts[j]


def _pair(rng: random.Random, domain: str, facts: dict[str, Any], f: dict[str, Any], lang: str) -> tuple[str, str, str]:
    """(rejected kind, chosen, rejected) for a prompt rendered as `f`."""
    pack = PACKS[lang]
    _, render, prefix = _DOMAIN_FNS[domain]
    kinds = list(REJECTED_KINDS)
    # A QA prompt without the asker's details has nothing to leak.
    if domain == "knowledge_qa" and "{" not in pack.QA_INTRO[facts["intro_i"]]:
        kinds.remove("leak")
    kind = rng.choice(kinds)
    chosen = (getattr(pack, f"{prefix}_CHOSEN"), getattr(pack, f"{prefix}_CHOSEN_MORE"), f)
    if kind == "wrong_language":
        other = PACKS["en" if lang == "sv" else "sv"]
        rejected = (getattr(other, f"{prefix}_CHOSEN"), getattr(other, f"{prefix}_CHOSEN_MORE"), render(facts, other))
    else:
        base = getattr(pack, f"{prefix}_{kind.upper()}")
        if isinstance(base, tuple):  # curt and ignore: one of several openers
            base = rng.choice(base)
        rejected = (base, getattr(pack, f"{prefix}_{kind.upper()}_MORE"), f)
    return (kind, *_balanced(rng, chosen, rejected))


def generate(lang: str, n: int, seed: int, weights: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """n preference pairs in `lang` ('sv' or 'en'); the same (lang, n, seed, weights) gives the same pairs."""
    if lang not in PACKS:
        raise ValueError(f"synthetic generator: unknown language {lang!r} (choose from {sorted(PACKS)})")
    weights = weights or DEFAULT_WEIGHTS
    unknown = set(weights) - set(DOMAINS)
    if unknown:
        raise ValueError(f"synthetic generator: unknown domain(s) {sorted(unknown)} (choose from {list(DOMAINS)})")
    rng = random.Random(f"{lang}:{seed}")
    names = sorted(weights)
    cum = [weights[d] for d in names]
    pairs = []
    for i in range(n):
        domain = rng.choices(names, weights=cum)[0]
        make = _DOMAIN_FNS[domain][0]
        facts, f = make(rng, lang)
        kind, chosen, rejected = _pair(rng, domain, facts, f, lang)
        pairs.append({"prompt": [{"role": "user", "content": f["prompt"]}], "chosen": chosen,
                      "rejected": rejected, "domain": domain, "rejected_kind": kind, "index": i})
    return pairs
