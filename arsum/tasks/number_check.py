"""Numbers check: a number an English sentence states must be stated by its Arabic source.

Abstractive models change years, counts and percentages while the sentence around them
stays fluent, and a sentence encoder barely notices; comparing values catches it.
Values are compared, not strings, so `5 million` matches `5 ملايين`, `1,000` matches `١٠٠٠`
and `1.5` matches `1,5` or `١٫٥`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from arsum.text.arabic import fold_digits, normalize

# --------------------------------------------------------------------------- English side

_EN_SCALES = {
    "hundred": 100,
    "thousand": 1_000,
    "million": 1_000_000,
    "mln": 1_000_000,
    "billion": 1_000_000_000,
    "bn": 1_000_000_000,
    "trillion": 1_000_000_000_000,
}
# Digits not glued to a preceding letter or digit ("G20" is a name, "5km" and "1990s" are numbers),
# then an optional percent sign/word or scale word.
_EN_NUMBER = re.compile(
    r"(?<![^\W\d_])(?<![\d.,])"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<pct>\s?%|\s+per\s?cent\b)?"
    r"(?:\s+(?P<scale>" + "|".join(_EN_SCALES) + r")\b)?",
    re.IGNORECASE,
)


def english_numbers(text: str) -> list[tuple[str, Decimal]]:
    """(surface form, value) for each number written in digits in an English sentence."""
    out: list[tuple[str, Decimal]] = []
    for m in _EN_NUMBER.finditer(fold_digits(text)):
        value = Decimal(m.group("num").replace(",", ""))
        scale = m.group("scale")
        if scale:
            value *= _EN_SCALES[scale.lower()]
        out.append((m.group().strip(), value))
    return out


# --------------------------------------------------------------------------- Arabic side

_AR_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")  # on normalised text: ٫ ٬ are already . ,

# Normalised forms (arabic.normalize folds alef forms, ة -> ه, ى -> ي).
_AR_SCALES = {
    **dict.fromkeys(("مئه", "مائه", "مئات"), 100),
    **dict.fromkeys(("الف", "الاف", "الفا"), 1_000),
    **dict.fromkeys(("مليون", "ملايين", "مليونا"), 1_000_000),
    **dict.fromkeys(("مليار", "مليارات", "مليارا", "بليون", "بلايين"), 1_000_000_000),
    **dict.fromkeys(("تريليون", "تريليونات"), 1_000_000_000_000),
}
_AR_WORDS = {
    **dict.fromkeys(("واحد", "واحده", "اول", "اولي"), 1),
    **dict.fromkeys(("اثنان", "اثنين", "اثنتان", "اثنتين", "ثاني", "ثانيه"), 2),
    **dict.fromkeys(("ثلاث", "ثلاثه", "ثالث", "ثالثه"), 3),
    **dict.fromkeys(("اربع", "اربعه", "رابع", "رابعه"), 4),
    **dict.fromkeys(("خمس", "خمسه", "خامس", "خامسه"), 5),
    **dict.fromkeys(("ست", "سته", "سادس", "سادسه"), 6),
    **dict.fromkeys(("سبع", "سبعه", "سابع", "سابعه"), 7),
    **dict.fromkeys(("ثمان", "ثماني", "ثمانيه", "ثامن", "ثامنه"), 8),
    **dict.fromkeys(("تسع", "تسعه", "تاسع", "تاسعه"), 9),
    **dict.fromkeys(("عشر", "عشره", "عاشر", "عاشره"), 10),
    **dict.fromkeys(("عشرون", "عشرين"), 20),
    **dict.fromkeys(("ثلاثون", "ثلاثين"), 30),
    **dict.fromkeys(("اربعون", "اربعين"), 40),
    **dict.fromkeys(("خمسون", "خمسين"), 50),
    **dict.fromkeys(("ستون", "ستين"), 60),
    **dict.fromkeys(("سبعون", "سبعين"), 70),
    **dict.fromkeys(("ثمانون", "ثمانين"), 80),
    **dict.fromkeys(("تسعون", "تسعين"), 90),
    **dict.fromkeys(("مئتان", "مئتين", "مائتان", "مائتين"), 200),
    **dict.fromkeys(("الفان", "الفين"), 2_000),
    **dict.fromkeys(("مليونان", "مليونين"), 2_000_000),
    **dict.fromkeys(("ملياران", "مليارين"), 2_000_000_000),
}
_AR_CLITICS = ("و", "ف", "ب", "ل", "ك")
_AR_ARTICLES = ("ال", "لل")


def _word_value(token: str, table: dict[str, int]) -> int | None:
    """Value of a number word, looking through a conjunction/preposition and the article."""
    for word in _strip_prefixes(token):
        if word in table:
            return table[word]
    return None


def _strip_prefixes(token: str) -> Iterator[str]:
    yield token
    stems = [token]
    if len(token) > 3 and token[0] in _AR_CLITICS:
        stems.append(token[1:])
        yield token[1:]
    for stem in stems:
        for article in _AR_ARTICLES:
            if stem.startswith(article) and len(stem) - len(article) >= 2:
                yield stem[len(article):]


def _readings(number: str) -> set[Decimal]:
    """Every value a digit string with separators can mean (`1,500` is 1500 or 1.5 in Arabic usage)."""
    seps = re.findall(r"[.,]", number)
    groups = re.split(r"[.,]", number)
    if not seps:
        return {Decimal(number)}
    # The last separator as a decimal point, the others as thousands separators.
    out = {Decimal("".join(groups[:-1]) + "." + groups[-1])}
    # Every separator a thousands separator, when the groups look like it.
    if all(len(g) == 3 for g in groups[1:]) and len(set(seps)) == 1:
        out.add(Decimal("".join(groups)))
    return out


def arabic_values(text: str) -> set[Decimal]:
    """Every number value the Arabic text states, in digits (any digit set) or common number words."""
    text = normalize(text)
    values: set[Decimal] = set()
    tokens = _AR_TOKEN.findall(text)
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        scale = _word_value(nxt, _AR_SCALES) if nxt else None
        if tok[0].isdigit():
            base = _readings(tok)
        else:
            word = _word_value(tok, _AR_WORDS)
            if word is None:
                word = _word_value(tok, _AR_SCALES)  # "ألف" alone is one thousand
            if word is None:
                continue
            base = {Decimal(word)}
            # "خمسة وعشرون": a unit followed by and-tens.
            tens = _word_value(nxt, _AR_WORDS) if nxt.startswith("و") else None
            if tens is not None and word < 10 <= tens and tens % 10 == 0:
                base.add(Decimal(word + tens))
                after = tokens[i + 2] if i + 2 < len(tokens) else ""
                scale = _word_value(after, _AR_SCALES) if after else None
        values |= base
        if scale is not None:
            values |= {b * scale for b in base}
    return values


# --------------------------------------------------------------------------- check

def check_numbers(english: str, arabic_source: str) -> list[str]:
    """Numbers the English sentence states that the Arabic source does not (surface forms, in order)."""
    return missing_numbers(english, arabic_values(arabic_source))


def missing_numbers(english: str, source_values: set[Decimal]) -> list[str]:
    """check_numbers against values computed once per release (arabic_values)."""
    missing: list[str] = []
    for surface, value in english_numbers(english):
        if value not in source_values and surface not in missing:
            missing.append(surface)
    return missing
