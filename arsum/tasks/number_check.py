"""Numbers check: a number an English sentence states must be stated by its Arabic source.

Abstractive models and careless translators change years, counts and percentages while the sentence around
them stays fluent, and a sentence encoder barely notices; comparing values catches it. Values are compared,
not strings: each English number has every reading it can fairly have (`3 p.m.` is 3 or 15, `1980s` is 1980
or the eighties, `42.000` is 42 or 42000) and each Arabic text states a set of values (digits in any script
and grouping, number words, compounds and ordinals such as `الرابعة والخمسين بعد المائة`, decades such as
`الثمانينيات`, duals such as `طفلان`). A number is flagged when none of its readings is stated.

Every run of digits in the English sentence is checked, glued to letters (`H5N1`) or not; only footnote
markers (`2015;2`) that the Arabic does not carry are passed over. The rules are general: they were measured on
FLORES-200 and TICO-19 (bench/eval_numbers.py, bench/RESULTS.md) but name no sentence of either.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from arsum.text.arabic import fold_digits, normalize

Key = Decimal | tuple
"""A value (Decimal), a digit-group tuple such as (10, 15) for `10:15`/`10.15`/`10-15`, or ("pct", v)."""

__all__ = ["ArabicNumbers", "EnglishNumber", "arabic_numbers", "check_numbers",
           "english_numbers", "missing_numbers"]

# --------------------------------------------------------------------------- English side

_EN_SCALES = {
    "hundred": 100,
    "thousand": 1_000,
    "million": 1_000_000,
    "mln": 1_000_000,
    "m": 1_000_000,
    "billion": 1_000_000_000,
    "bn": 1_000_000_000,
    "trillion": 1_000_000_000_000,
}
_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|"
    "september|october|november|december"
)
# Every maximal digit run, with the separators that join digit groups into one number.
_EN_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_EN_DIGIT_GROUPS = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?![\d.,]?\d)")  # 1 036 201 (SI style)
_EN_AFTER = re.compile(
    r"(?P<decade>'?s\b)?"
    r"(?P<pct>\s?%|\s?-?\s?per\s?cent\b|\s?-?\s?percent\b)?"
    r"(?:[\s-]*(?P<scale>" + "|".join(_EN_SCALES) + r")\b)?"
    r"(?P<ampm>\s?(?:[ap]\.?\s?m\b\.?))?"
    r"(?P<hours>\s?(?:hours|hrs|h|gmt|utc|bst|cet|est|edt|pst|local time)\b)?",
    re.IGNORECASE,
)
_EN_MONTH_BEFORE = re.compile(r"(?:\b(?:" + _MONTHS + r")\.?\s|')$", re.IGNORECASE)
_EN_RANGE_BEFORE = re.compile(r"\b(\d\d)\d\d\s?[-–—/]\s?$")
# after a closing bracket or quote (a straight quote or ’ only when glued to what it closes: `"12 people` opens
# a quotation), a digit and `;`, or a word and its stop: `said.”12`, `(2014)3`, `growth.12`
_FOOTNOTE_BEFORE = re.compile(r"(?:\d;|(?:[)\]”]|(?<=\S)[\"’])[.,;]?|[a-z]{4,}[.;,])$")
_FOOTNOTE_AFTER = re.compile(r"(?:\s|$|[;,.)])")


@dataclass(frozen=True)
class EnglishNumber:
    """One number in an English sentence: its surface form and every value it can fairly stand for."""

    surface: str
    readings: frozenset
    small: bool = False  # a plain 2: an Arabic dual (طفلان) may state it
    footnote: bool = False  # possibly a footnote marker (`2015;2`): not a claim when the Arabic lacks it
    identifier: bool = False  # glued after a letter (R0, B0AT1): a name an Arabic text may spell out in words


def _groups(number: str) -> list[str]:
    return re.split(r"[.,:\s]", number)


def _plain_readings(number: str) -> set[Key]:
    """Values of a digit string with separators: thousands groups, decimal point, or a tuple of groups."""
    groups = _groups(number)
    seps = set(re.findall(r"[.,:\s]", number))
    if len(groups) == 1:
        return {Decimal(number)}
    out: set[Key] = {tuple(int(g) for g in groups)}
    if all(len(g) == 3 for g in groups[1:]) and len(seps) == 1 and ":" not in seps:
        out.add(Decimal("".join(groups)))  # 1,036,201 / 42.000 / 1 000
    if len(groups) == 2 and seps <= {".", ","}:
        out.add(Decimal(groups[0] + "." + groups[1]))  # 1.5, or 1,5 in European usage
    return out


def _english_number(text: str, m: re.Match[str]) -> Iterator[EnglishNumber]:
    number = m.group()
    after = _EN_AFTER.match(text, m.end())
    decade, pct, scale, ampm, hours = (after.group(k) for k in ("decade", "pct", "scale", "ampm", "hours"))
    before = text[max(0, m.start() - 12) : m.start()]
    groups = _groups(number)
    if "," in number and not all(len(g) == 3 for g in groups[1:]) and len(groups) > 2:
        # "1,2,3": a list, each item its own number
        for g in number.split(","):
            yield EnglishNumber(g, frozenset(_plain_readings(g)))
        return
    readings = _plain_readings(number)
    if scale:
        factor = _EN_SCALES[scale.lower()]
        if scale.lower() == "m" and not re.search(r"[$€£]|\b(?:us|euro|usd)\s?$", before, re.IGNORECASE):
            factor = None  # "5 m" is metres unless money
        if factor:
            readings = {r * factor for r in readings if isinstance(r, Decimal)}
    if pct:
        readings |= {("pct", r) for r in readings if isinstance(r, Decimal)}
    if decade and len(groups) == 1 and int(number) % 10 == 0:
        value = int(number)
        if value >= 100:  # 1980s: 1980; 1800s: the 19th century too
            readings |= {Decimal(value // 100 + 1)} if value % 100 == 0 else set()
        else:  # the 80s, in his 20s
            readings |= {("decade", Decimal(value)), Decimal(1900 + value), Decimal(2000 + value)}
    if ampm or hours:
        hour, minute = _clock(groups)
        if hour is not None:
            pm = bool(ampm) and ampm.strip().lower().startswith("p")
            for h in {hour, (hour + 12) % 24 if pm else hour}:
                readings.add((h, minute))
                if minute == 0:
                    readings.add(Decimal(h))
    if len(groups) == 1 and len(number) <= 2:
        if _EN_MONTH_BEFORE.search(before):  # "22 Oct 14", "'14"
            readings |= {Decimal(2000 + int(number)), Decimal(1900 + int(number))}
        if (rng := _EN_RANGE_BEFORE.search(before)) and len(number) == 2:  # "1950-53"
            readings.add(Decimal(rng.group(1) + number))
    footnote = (
        len(groups) == 1 and len(number) <= 2 and m.start() > 0 and not text[m.start() - 1].isspace()
        and _FOOTNOTE_BEFORE.search(text[: m.start()]) is not None
        and _FOOTNOTE_AFTER.match(text, m.end()) is not None and not pct and not scale
    )
    identifier = m.start() > 0 and text[m.start() - 1].isalpha()
    surface = text[m.start() : after.end()].strip()
    yield EnglishNumber(surface, frozenset(readings), readings == {Decimal(2)}, footnote, identifier)


def _clock(groups: list[str]) -> tuple[int | None, int]:
    """Hour and minute of `3`, `5.30`, `04:00` or `1855` (hours), or None when it is not a time of day."""
    if len(groups) == 1 and len(groups[0]) == 4:
        hour, minute = int(groups[0][:2]), int(groups[0][2:])
    elif len(groups) == 1:
        hour, minute = int(groups[0]), 0
    elif len(groups) == 2 and len(groups[1]) == 2:
        hour, minute = int(groups[0]), int(groups[1])
    else:
        return None, 0
    return (hour, minute) if hour < 25 and minute < 60 else (None, 0)


def english_numbers(text: str) -> list[EnglishNumber]:
    """Every number written in digits in an English sentence, with its readings.

    Digits grouped by spaces (`1 036 201`) stay separate numbers, each also read as the whole group, so
    `in 2014 150 died` is two numbers and `1 000 000` is still a million.
    """
    text = fold_digits(text)
    numbers = [(m.start(), n) for m in _EN_NUMBER.finditer(text) for n in _english_number(text, m)]
    for group in _EN_DIGIT_GROUPS.finditer(text):
        whole = Decimal(group.group().replace(" ", ""))
        numbers = [
            (at, dataclasses.replace(n, readings=n.readings | {whole}) if group.start() <= at < group.end() else n)
            for at, n in numbers
        ]
    return [n for _, n in numbers]


# --------------------------------------------------------------------------- Arabic side

# Normalised forms (arabic.normalize folds alef forms, ة -> ه, ى -> ي, and drops harakat and tanween).
_UNITS = {
    **dict.fromkeys(("واحد", "واحده", "احد", "احدي", "حادي", "حاديه", "اول", "اولي", "اولا"), 1),
    **dict.fromkeys(("اثنان", "اثنين", "اثنتان", "اثنتين", "اثنا", "اثني", "اثنتا", "اثنتي", "ثاني", "ثانيه",
                     "ثان", "ثانيا"), 2),
    **dict.fromkeys(("ثلاث", "ثلاثه", "ثالث", "ثالثه", "ثالثا"), 3),
    **dict.fromkeys(("اربع", "اربعه", "رابع", "رابعه", "رابعا"), 4),
    **dict.fromkeys(("خمس", "خمسه", "خامس", "خامسه", "خامسا"), 5),
    **dict.fromkeys(("ست", "سته", "سادس", "سادسه", "سادسا"), 6),
    **dict.fromkeys(("سبع", "سبعه", "سابع", "سابعه", "سابعا"), 7),
    **dict.fromkeys(("ثمان", "ثماني", "ثمانيه", "ثامن", "ثامنه", "ثامنا"), 8),
    **dict.fromkeys(("تسع", "تسعه", "تاسع", "تاسعه", "تاسعا"), 9),
}
_TEN = ("عشر", "عشره", "عاشر", "عاشره", "عاشرا")
_TENS_STEMS = {"عشر": 20, "ثلاث": 30, "اربع": 40, "خمس": 50, "ست": 60, "سبع": 70, "ثمان": 80, "تسع": 90}
_TENS = {stem + end: v for stem, v in _TENS_STEMS.items() for end in ("ون", "ين")}
_HUNDREDS = {
    **dict.fromkeys(("مئه", "مائه", "مئات"), 100),
    **dict.fromkeys(("مئتان", "مئتين", "مائتان", "مائتين", "مئتا", "مئتي", "مائتا", "مائتي"), 200),
    **{unit + h: v * 100 for unit, v in (("ثلاث", 3), ("اربع", 4), ("خمس", 5), ("ست", 6), ("سبع", 7),
                                            ("ثمان", 8), ("ثماني", 8), ("تسع", 9)) for h in ("مئه", "مائه")},
}
_SCALES = {
    **dict.fromkeys(("الف", "الاف", "الفا", "الوف"), 1_000),
    **dict.fromkeys(("مليون", "ملايين", "مليونا"), 1_000_000),
    **dict.fromkeys(("مليار", "مليارات", "مليارا", "بليون", "بلايين"), 1_000_000_000),
    **dict.fromkeys(("تريليون", "تريليونات"), 1_000_000_000_000),
}
_DUAL_SCALES = {
    **dict.fromkeys(("الفان", "الفين", "الفا", "الفي"), 2_000),
    **dict.fromkeys(("مليونان", "مليونين", "مليونا", "مليوني"), 2_000_000),
    **dict.fromkeys(("ملياران", "مليارين", "مليارا", "ملياري"), 2_000_000_000),
}
# n-fold adjectives and their plurals (سباعيات: sevens), by stem.
_FOLD = {"ثنائي": 2, "ثلاثي": 3, "رباعي": 4, "خماسي": 5, "سداسي": 6, "سباعي": 7, "ثماني": 8, "تساعي": 9,
         "عشاري": 10}
_FRACTIONS = {"نصف": 50, "ربع": 25, "ثلث": 33, "ثلثي": 67, "ثلثا": 67, "خمس": 20, "عشر": 10}
_CLITICS = ("و", "ف", "ب", "ل", "ك")
_ARTICLES = ("ال", "لل")
_NOT_DUAL = frozenset(
    "الان كان بين ان لكن اين دون حين حيث يمكن اللتان اللذان اللذين اللتين هذان هذين هاتان هاتين ضمن عن من "
    "مكان زمان انسان لبنان ايران اليابان عمان السودان الان سكان ميدان بيان مين يوان دين ايمان".split()
)
_DUAL_END = re.compile(r"..(?:ان|ين|تان|تين)$")


@functools.lru_cache(maxsize=65536)
def _stems(token: str) -> tuple[str, ...]:
    """The token, without a conjunction/preposition, without the article."""
    stems = [token]
    if len(token) > 3 and token[0] in _CLITICS:
        stems.append(token[1:])
        if len(token) > 4 and token[1] in "بلك":  # وب، ول، فل
            stems.append(token[2:])
    bare = [stem[len(article) :] for stem in stems for article in _ARTICLES
            if stem.startswith(article) and len(stem) - len(article) >= 2]
    return tuple(stems + bare)


def _lookup(token: str, table: dict[str, int]) -> int | None:
    for stem in _stems(token):
        if stem in table:
            return table[stem]
    return None


@functools.lru_cache(maxsize=65536)
def _decade(token: str) -> int | None:
    """ستينيات/الثمانينات (the sixties, eighties) and سباعيات (sevens)."""
    for stem in _stems(token):
        for end in ("يات", "ات"):
            if stem.endswith(end) and len(stem) > len(end) + 2:
                root = stem[: -len(end)]
                value = _TENS.get(root) or _FOLD.get(root) or _FOLD.get(root + "ي")
                if value:
                    return value
        if stem in _FOLD or stem[:-1] in _FOLD and stem[-1] == "ه":
            return _FOLD.get(stem) or _FOLD[stem[:-1]]
    return None


_AR_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+|%|\s?[-–/]\s?(?=\d)")
_AR_DIGIT_GROUPS = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{1,3})+(?![\d.,]?\d)")
_AR_PERCENT_WORDS = dict.fromkeys(("بالمئه", "بالمائه", "المئه", "المائه"), 1)
_AR_CENTURY_WORDS = dict.fromkeys(("القرن", "قرن"), 1)


@dataclass(frozen=True)
class Mention:
    """Values one Arabic expression states; `strong` when an English number should account for it."""

    values: frozenset
    strong: bool


@dataclass(frozen=True)
class ArabicNumbers:
    """What an Arabic text states: each mention with its values, and whether a dual noun occurs."""

    mentions: tuple[Mention, ...]
    has_dual: bool
    latin: bool  # Latin letters occur: names such as H5N1 are carried as written

    @property
    def values(self) -> frozenset:
        return frozenset().union(*(m.values for m in self.mentions))


def arabic_numbers(text: str) -> ArabicNumbers:
    """Every number the Arabic text states, in digits (any script, any grouping) or in words."""
    text = normalize(text).replace("،", ",")
    text = re.sub(r"(?<=\d)\s?,\s?(?=\d{3}\b)", ",", text)
    mentions: list[Mention] = []

    def digit_group(m: re.Match[str]) -> str:
        """000 201 036 1 (UN documents): groups of three, in either order, are one number."""
        groups = m.group().split()
        found = {Decimal("".join(order)) for order in (groups, groups[::-1]) if all(len(g) == 3 for g in order[1:])}
        if not found:
            return m.group()
        mentions.append(Mention(frozenset(found | {Decimal(g) for g in groups}), True))
        return " "

    text = _AR_DIGIT_GROUPS.sub(digit_group, text)
    tokens = [t.strip() for t in _AR_TOKEN.findall(text)]
    has_dual = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if tok[0].isdigit():
            found = _digit_values(tok)
            if i >= 2 and tokens[i - 1] in "-–/" and tokens[i - 2][0].isdigit():  # 10-5, 3/4: also a group tuple
                pair = tuple(int(g) for g in re.split(r"[.,:]", tokens[i - 2]) + re.split(r"[.,:]", tok))
                found |= {pair, pair[::-1]}
                mentions[-1] = Mention(mentions[-1].values | {pair, pair[::-1]}, mentions[-1].strong)
            scale = _lookup(nxt, _SCALES) or _lookup(nxt, _DUAL_SCALES)
            if scale:
                found |= {v * scale for v in found if isinstance(v, Decimal)}
                i += 1  # the scale word belongs to this number
            after = tokens[i + 2] if i + 2 < len(tokens) else ""
            if nxt == "%" or _lookup(nxt, _AR_PERCENT_WORDS) or nxt == "في" and _lookup(after, _AR_PERCENT_WORDS):
                found |= {("pct", v) for v in found if isinstance(v, Decimal)}
            mentions.append(Mention(frozenset(found), True))
            i += 1
            continue
        parsed = _parse_words(tokens, i)
        if parsed is not None:
            value, end, cardinal = parsed
            definite = any(tok.startswith(a) for a in ("ال", "وال", "بال", "فال", "لل"))
            # A count (ثلاثة أيام) or an ordinal past the second (السادس من أكتوبر) should be accounted for;
            # "الاثنين" (also Monday), "الأول" and "الثاني" (also "former", "latter") need not be.
            mentions.append(Mention(frozenset({Decimal(value)}), value >= 3 if not cardinal else not definite))
            i = end
            continue
        if (decade := _decade(tok)) is not None:
            found = {Decimal(decade)}
            if decade >= 20:
                found = {("decade", Decimal(decade)), Decimal(1900 + decade), Decimal(2000 + decade)}
                century, end = _century_after(tokens, i + 1)
                if century is not None:  # ثمانينيات القرن التاسع عشر / القرن الـ19: the 1880s only, one mention
                    found = {("decade", Decimal(decade)), Decimal((century - 1) * 100 + decade), Decimal(century)}
                    i = end - 1
            mentions.append(Mention(frozenset(found), True))
        elif (fraction := _lookup(tok, _FRACTIONS)) is not None:
            mentions.append(Mention(frozenset({("pct", Decimal(fraction))}), False))
        elif _is_dual(tok):
            has_dual = True
        i += 1
    return ArabicNumbers(tuple(mentions), has_dual, re.search("[a-z]", text) is not None)


def _century_after(tokens: list[str], i: int) -> tuple[int | None, int]:
    """The century a decade names right after it (`القرن التاسع عشر`, `القرن الـ19`, `القرن 19`), and the index
    past it; (None, i) when no century follows."""
    if i >= len(tokens) or not _lookup(tokens[i], _AR_CENTURY_WORDS):
        return None, i
    j = i + 1
    if j + 1 < len(tokens) and tokens[j] == "ال" and tokens[j + 1].isdigit():  # الـ19 (the tatweel is gone)
        j += 1
    if j < len(tokens) and tokens[j].isdigit():
        century, end = int(tokens[j]), j + 1
    elif parsed := _parse_words(tokens, j):
        century, end = parsed[0], parsed[1]
    else:
        return None, i
    return (century, end) if 1 <= century <= 30 else (None, i)


def _digit_values(token: str) -> set[Key]:
    """Readings of an Arabic digit token: `1,500` may be 1500 or 1.5; `12:00` is (12, 0), 12 and (0, 0)."""
    groups = re.split(r"[.,:]", token)
    if len(groups) == 1:
        return {Decimal(token)}
    ints = tuple(int(g) for g in groups)
    out: set[Key] = {ints, ints[::-1]}
    seps = re.findall(r"[.,:]", token)
    if ":" in seps:  # 15:00 is 3 p.m.: the hour alone, the 12-hour clock too
        out |= {Decimal(ints[0]), (ints[0] % 12, *ints[1:])}
        return out
    out.add(Decimal("".join(groups[:-1]) + "." + groups[-1]))
    if all(len(g) == 3 for g in groups[1:]) and len(set(seps)) == 1:
        out.add(Decimal("".join(groups)))
    return out


@functools.lru_cache(maxsize=65536)
def _is_dual(token: str) -> bool:
    return any(
        stem not in _NOT_DUAL and _DUAL_END.search(stem) and len(stem) >= 4 for stem in _stems(token)[-1:]
    )


@functools.lru_cache(maxsize=65536)
def _word(token: str) -> tuple[str, int] | None:
    """(kind, value) of one number word: unit, ten (the teen marker), tens, hundreds, scale, dual-scale."""
    for kind, table in (("unit", _UNITS), ("tens", _TENS), ("hundreds", _HUNDREDS), ("scale", _SCALES),
                        ("dualscale", _DUAL_SCALES)):
        value = _lookup(token, table)
        if value is not None:
            return kind, value
    if _lookup(token, dict.fromkeys(_TEN, 10)):
        return "ten", 10
    return None


# Which number word may follow which in one compound, and whether it needs the conjunction و:
# خمسة وعشرون (unit, و tens), ثلاثة عشر (unit, ten), ثلاث مئة / ثلاثة آلاف (unit, hundreds/scale),
# مئة وخمسون (hundreds, و anything smaller), ألف وتسعمائة (scale, و anything smaller).
_NEXT = {
    "unit": {("ten", False), ("tens", True), ("hundreds", False), ("scale", False)},
    "teen": {("scale", False)},
    "tens": {("scale", False)},
    "hundreds": {("unit", True), ("tens", True), ("scale", False)},
    "scale": {("unit", True), ("tens", True), ("hundreds", True), ("dualscale", True)},
    "dualscale": {("unit", True), ("tens", True), ("hundreds", True)},
}


def _parse_words(tokens: list[str], start: int) -> tuple[int | Decimal, int, bool] | None:
    """A compound of number words from tokens[start]: (value, end, is it a cardinal count)."""
    first = _word(tokens[start])
    if first is None:
        return None
    kind, value = first
    total, current, scale_unit = 0, 0, 0
    last = None
    i = start
    cardinal = not _is_ordinal(tokens[start])  # الحادي عشر: the first word says which
    while i < len(tokens):
        if i > start:
            word = _word(tokens[i])
            if word is None:
                # "الرابعة والخمسين بعد المائة": ordinals past one hundred
                after = _word(tokens[i + 1]) if tokens[i] == "بعد" and i + 1 < len(tokens) else None
                if after and after[0] in ("hundreds", "scale") and last in ("unit", "teen", "tens"):
                    current += after[1]
                    i += 2
                elif tokens[i] == "ونصف" and last in ("scale", "dualscale"):  # مليون ونصف: 1.5 million
                    total += Decimal(scale_unit) / 2
                    i += 1
                break
            kind, value = word
            if (kind, tokens[i].startswith("و")) not in _NEXT.get(last, set()):
                break
        if kind == "ten":
            current += 10
            kind = "teen"
        elif kind == "hundreds" and last == "unit" and value == 100:
            current *= 100
        elif kind == "scale":
            total += max(current, 1) * value
            current, scale_unit = 0, value
        elif kind == "dualscale":
            total += value
            scale_unit = value // 2
        else:
            current += value
        last = kind
        i += 1
    value = total + current
    return (value, i, cardinal and value >= 2) if value else None


_ORDINAL_FORMS = frozenset(
    w for w, _ in _UNITS.items() if w.startswith(("ثان", "ثالث", "رابع", "خامس", "سادس", "سابع", "ثامن", "تاسع",
                                                  "حادي", "اول"))
) | frozenset(_TEN[2:])


@functools.lru_cache(maxsize=65536)
def _is_ordinal(token: str) -> bool:
    return any(stem in _ORDINAL_FORMS for stem in _stems(token))


# --------------------------------------------------------------------------- check


def check_numbers(english: str, arabic_source: str, *, whole: bool = True) -> list[str]:
    """Numbers the English sentence states that the Arabic source does not (surface forms, in order).

    `whole`: the English renders all of the Arabic (a translation pair), so an Arabic number it leaves
    unexplained makes its leftover numbers suspect; False for a summary sentence checked against a release.
    """
    if not re.search(r"\d", fold_digits(english)):
        return []  # nothing to check: spare reading the Arabic
    return missing_numbers(english, arabic_numbers(arabic_source), whole=whole)


def missing_numbers(english: str, source: ArabicNumbers, *, whole: bool = True) -> list[str]:
    """check_numbers against Arabic numbers computed once (arabic_numbers) for many English sentences.

    English numbers are first matched one-to-one with the Arabic numbers written in digits or as counts.
    A number left over passes when one of its readings is stated somewhere (a repeat, an ordinal, a decade),
    or when it is a footnote marker or a 2 an Arabic dual states, but only if no Arabic count is left
    unexplained: `January 21 ... only 21` against `24 يناير ... 21` is flagged.
    """
    numbers = english_numbers(english)
    strong = [m for m in source.mentions if m.strong]
    matched = _matching(numbers, strong)
    unexplained = whole and len(strong) > len(matched)
    values = source.values
    missing: list[str] = []
    for n, number in enumerate(numbers):
        if n in matched:
            continue
        stated = (
            bool(number.readings & values) or number.footnote or number.small and source.has_dual
            or number.identifier and not source.latin
        )
        if (unexplained or not stated) and number.surface not in missing:
            missing.append(number.surface)
    return missing


def _matching(numbers: list[EnglishNumber], mentions: list[Mention]) -> set[int]:
    """English numbers given an Arabic mention of their own in a maximum one-to-one matching."""
    owner: dict[int, int] = {}  # mention -> number

    def assign(n: int, seen: set[int]) -> bool:
        for j, mention in enumerate(mentions):
            if j not in seen and numbers[n].readings & mention.values:
                seen.add(j)
                if j not in owner or assign(owner[j], seen):
                    owner[j] = n
                    return True
        return False

    return {n for n in range(len(numbers)) if assign(n, set())}
