"""The pairwise judging prompt, one per language (Swedish and English shipped; files override them).

The judge answers with one letter; the lm judge reads the letters' logits, the http judge the reply.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

LABELS = ("A", "B")
FIELDS = ("{question}", "{answer_a}", "{answer_b}")

SHIPPED = {
    "en": ("You are an impartial judge. Compare two answers to the user's question and decide which one "
           "is more helpful, correct and clearly written. Ignore the order in which they appear and do not "
           "prefer an answer for being longer.\n\n"
           "Question:\n{question}\n\nAnswer A:\n{answer_a}\n\nAnswer B:\n{answer_b}\n\n"
           "Which answer is better? Reply with a single letter: A or B."),
    "sv": ("Du är en opartisk bedömare. Jämför två svar på användarens fråga och avgör vilket som är mest "
           "hjälpsamt, korrekt och tydligt skrivet. Bortse från i vilken ordning de står och föredra inte ett "
           "svar för att det är längre.\n\n"
           "Fråga:\n{question}\n\nSvar A:\n{answer_a}\n\nSvar B:\n{answer_b}\n\n"
           "Vilket svar är bäst? Svara med en enda bokstav: A eller B."),
}
FALLBACK = "en"


def load_templates(overrides: dict[str, str]) -> dict[str, str]:
    """Shipped templates with the user's files on top; a file lacking a placeholder is an error naming both."""
    out = dict(SHIPPED)
    for lang, path in overrides.items():
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ValueError(f"judge.prompts.{lang}: cannot read {path} ({e})") from None
        missing = [f for f in FIELDS if f not in text]
        if missing:
            raise ValueError(f"judge.prompts.{lang}: {path} lacks {', '.join(missing)}")
        out[lang] = text
    return out


def render(templates: dict[str, str], lang: str, question: str, first: str, second: str) -> str:
    # str.replace, not format(): answers may hold braces.
    text = templates.get(lang) or templates[FALLBACK]
    return text.replace("{question}", question).replace("{answer_a}", first).replace("{answer_b}", second)


def digest(templates: dict[str, str]) -> str:
    h = hashlib.sha256()
    for lang in sorted(templates):
        h.update(f"{lang}\0{templates[lang]}\0".encode())
    return h.hexdigest()[:12]
