"""Seeded fake personal data (names, phones, personnummer, emails, case IDs) for the synthetic sources."""

from __future__ import annotations

import random
from datetime import date, timedelta

SV_FIRST = ("Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Eva", "Johan", "Sara", "Per", "Lena", "Mikael",
            "Emma", "Fredrik", "Ingrid", "Oskar", "Sofia", "Gustav", "Elin", "Magnus", "Linnea", "Björn",
            "Astrid", "Nils", "Maja", "Henrik", "Ebba", "Jonas", "Frida", "Olof", "Åsa", "Göran")
SV_LAST = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
           "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Lindberg", "Lindqvist", "Berg", "Holm",
           "Sandberg", "Ekström", "Lundgren", "Björk", "Nyström", "Åberg", "Forsberg", "Sjöberg")
EN_FIRST = ("James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Susan",
            "Daniel", "Emily", "Thomas", "Olivia", "George", "Charlotte", "Oliver", "Amelia", "Harry", "Grace",
            "Jack", "Chloe", "Samuel", "Hannah")
EN_LAST = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
           "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
           "Miller", "Moore", "Harris", "Martin")
SV_MAIL_DOMAINS = ("gmail.com", "telia.com", "hotmail.se", "outlook.com", "bredband.net", "foretaget.se")
EN_MAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.co.uk", "example.org", "mail.com", "company.co.uk")


def luhn_digit(digits: str) -> int:
    """The check digit the Swedish personnummer uses (Luhn over the 9 digits YYMMDDNNN)."""
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def personnummer(rng: random.Random, coordination: bool = False) -> str:
    """A valid personnummer (or samordningsnummer: day + 60) in one of the common written forms."""
    born = date(1945, 1, 1) + timedelta(days=rng.randrange(0, 60 * 365))
    day = born.day + (60 if coordination else 0)
    serial = f"{rng.randrange(0, 1000):03d}"
    core = f"{born.year % 100:02d}{born.month:02d}{day:02d}{serial}"
    check = luhn_digit(core)
    form = rng.randrange(4)
    short_date, tail = core[:6], f"{serial}{check}"
    if form == 0:
        return f"{short_date}-{tail}"
    if form == 1:
        return f"{born.year // 100}{short_date}{tail}"
    if form == 2:
        return f"{born.year // 100}{short_date}-{tail}"
    return f"{short_date}{tail}"


def phone_se(rng: random.Random) -> str:
    """A Swedish mobile or Stockholm number in a national or international written form."""
    mobile = rng.random() < 0.7
    if mobile:
        prefix = rng.choice(("70", "72", "73", "76", "79"))
        rest = f"{rng.randrange(0, 10_000_000):07d}"
        form = rng.randrange(4)
        if form == 0:
            return f"0{prefix}-{rest[:3]} {rest[3:5]} {rest[5:]}"
        if form == 1:
            return f"+46 {prefix} {rest[:3]} {rest[3:5]} {rest[5:]}"
        if form == 2:
            return f"0046{prefix}{rest}"
        return f"0{prefix}{rest}"
    rest = f"{rng.randrange(1_000_000, 10_000_000)}{rng.randrange(10)}"
    return rng.choice((f"08-{rest[:3]} {rest[3:6]} {rest[6:]}", f"+46 8 {rest[:3]} {rest[3:6]} {rest[6:]}"))


def phone_en(rng: random.Random) -> str:
    """A UK or US number (international or national form)."""
    if rng.random() < 0.5:
        rest = f"{rng.randrange(0, 1_000_000):06d}"
        mobile = rng.choice(("7400", "7123", "7912", "7890"))
        return rng.choice((f"+44 {mobile} {rest}", f"0{mobile} {rest[:3]} {rest[3:]}", f"+44 20 7946 {rest[:4]}"))
    area = rng.choice(("212", "415", "617", "312", "206"))
    line = f"{rng.randrange(200, 1000)}-{rng.randrange(0, 10_000):04d}"
    return rng.choice((f"+1 {area}-{line}", f"({area}) {line}"))


def _ascii(s: str) -> str:
    return s.lower().translate(str.maketrans("åäöé", "aaoe"))


def email(rng: random.Random, first: str, last: str, domains: tuple[str, ...]) -> str:
    sep = rng.choice((".", "_", ""))
    suffix = rng.choice(("", "", str(rng.randrange(10, 99))))
    return f"{_ascii(first)}{sep}{_ascii(last)}{suffix}@{rng.choice(domains)}"


def case_id(rng: random.Random, lang: str) -> str:
    """A ticket/case reference in one of the forms the default PII patterns cover."""
    form = rng.randrange(4)
    if form == 0:
        return f"{'ärende' if lang == 'sv' else 'case'} {rng.randrange(100_000, 1_000_000)}"
    if form == 1:
        return f"CASE-{rng.randrange(2019, 2026)}-{rng.randrange(0, 1_000_000):06d}"
    if form == 2:
        return f"#{rng.randrange(100_000, 1_000_000)}"
    return f"SR-{rng.randrange(1_000_000, 10_000_000)}"


class Person:
    """One fake person, all fields drawn from the same generator so a seed fixes the whole record."""

    __slots__ = ("email", "first", "last", "phone", "pnr")

    def __init__(self, rng: random.Random, lang: str) -> None:
        first_names, last_names, domains = ((SV_FIRST, SV_LAST, SV_MAIL_DOMAINS) if lang == "sv"
                                            else (EN_FIRST, EN_LAST, EN_MAIL_DOMAINS))
        self.first = rng.choice(first_names)
        self.last = rng.choice(last_names)
        self.phone = phone_se(rng) if lang == "sv" else phone_en(rng)
        self.email = email(rng, self.first, self.last, domains)
        self.pnr = personnummer(rng, coordination=rng.random() < 0.15)

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"
