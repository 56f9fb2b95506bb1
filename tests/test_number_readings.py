"""Readings of each number form, pinned rule by rule; written from mutation testing of number_check.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from arsum.tasks import number_check
from arsum.tasks.number_check import (
    Mention,
    arabic_numbers,
    check_numbers,
    english_numbers,
)

D = Decimal

# --------------------------------------------------------------------------- English side


@pytest.mark.parametrize(
    ("number", "readings"),
    [
        # two groups joined by a comma: the groups, and the European decimal comma (2,5 = 2.5)
        ("2,5", {(2, 5), D("2.5")}),
        # three groups: thousands only; never "1.036" from the first two groups
        ("1,036,201", {(1, 36, 201), D(1036201)}),
        # a colon is never a decimal point: 10:15 is the group tuple only
        ("10:15", {(10, 15)}),
    ],
)
def test_plain_readings(number: str, readings: set) -> None:
    assert number_check._plain_readings(number) == readings


@pytest.mark.parametrize(
    ("groups", "clock"),
    [
        (["5", "59"], (5, 59)),
        (["5", "60"], (None, 0)),  # minute 60 is not a time of day
        (["1260"], (None, 0)),  # "1260 hours": minute 60 again
        (["2400"], (24, 0)),  # hour 24 still is (end of day)
    ],
)
def test_clock(groups: list[str], clock: tuple) -> None:
    assert number_check._clock(groups) == clock


@pytest.mark.parametrize(
    ("english", "numbers"),
    [
        # p.m. adds the 24-hour reading: 3 p.m. is 3 or 15
        ("The talks resume at 3 p.m. sharp.", [("3 p.m.", {D(3), (3, 0), D(15), (15, 0)})]),
        # 5.60 is no time of day, so p.m. adds nothing (no 17:60)
        ("The reading was 5.60 p.m. on the chart.", [("5.60 p.m.", {(5, 60), D("5.60")})]),
        # "80s" under 100: the decade, or 1980/2080; the number itself stays
        ("The minister is in his 80s.", [("80s", {D(80), ("decade", D(80)), D(1980), D(2080)})]),
        # "100s" is a century form (the 2nd century), not the decade "the 100s" -> 2100
        ("The wall dates from the 100s AD.", [("100s", {D(100), D(2)})]),
        # an apostrophe year: '98 is 1998 or 2098
        ("The law of '98 still applies.", [("98", {D(98), D(1998), D(2098)})]),
        # a comma list of short groups: each item is its own number
        ("Items 1,2,3 apply.", [("1", {D(1)}), ("2", {D(2)}), ("3", {D(3)})]),
        # "m" after a number is metres unless money is named before it
        ("A wall 5 m high was built.", [("5 m", {D(5)})]),
        ("A grant of Euro 3m was approved.", [("3m", {D(3_000_000)})]),
        ("A grant of USD 3m was approved.", [("3m", {D(3_000_000)})]),
        # an SI digit group adds the whole to its own members only, not to 2014
        (
            "In 2014, 3 500 000 people voted.",
            [("2014", {D(2014)}), ("3", {D(3), D(3_500_000)}), ("500", {D(500), D(3_500_000)}),
             ("000", {D(0), D(3_500_000)})],
        ),
    ],
)
def test_english_readings(english: str, numbers: list[tuple[str, set]]) -> None:
    assert [(n.surface, set(n.readings)) for n in english_numbers(english)] == numbers


@pytest.mark.parametrize(
    ("english", "footnote", "identifier"),
    [
        # a segment cut right after a closing quote keeps its footnote marker at position 1
        ("\u201d2 Prices rose in March.", True, False),
        # a number opening the text is no identifier, even when the text ends in a letter
        ("12 ministers resigned", False, False),
        ("Its R0 value fell.", False, True),  # glued after a letter: a name
    ],
)
def test_english_marks(english: str, footnote: bool, identifier: bool) -> None:
    (number,) = english_numbers(english)
    assert (number.footnote, number.identifier) == (footnote, identifier)


# --------------------------------------------------------------------------- Arabic side


@pytest.mark.parametrize(
    ("token", "values"),
    [
        # a decimal point: both group orders, and the decimal value
        ("10.15", {(10, 15), (15, 10), D("10.15")}),
        # a clock: the hour alone and the 12-hour form (15:30 -> 3:30)
        ("15:30", {(15, 30), (30, 15), D(15), (3, 30)}),
        # one thousands separator: 1500 as well as 1.5
        ("1,500", {(1, 500), (500, 1), D("1.5"), D(1500)}),
    ],
)
def test_digit_values(token: str, values: set) -> None:
    assert number_check._digit_values(token) == values


@pytest.mark.parametrize(
    ("arabic", "values"),
    [
        # a dual scale and a half: two and a half million
        ("بلغ عدد السكان مليونين ونصف", {D(2_500_000)}),
        # an ordinal past one hundred: the hundred-and-fifth
        ("هذه هي الدورة الخامسة بعد المائة", {D(105)}),
        # "بعد" (yet) ending the text after a number word: no compound, no crash
        ("لم تعلن أسماء الفائزين الثلاثة بعد.", {D(3)}),
        # the teen marker alone takes a scale: ten thousand
        ("تلقى الصندوق عشرة آلاف دولار", {D(10_000)}),
        # a unit and a separate hundred word multiply: three hundred
        ("عادت نحو ثلاث مئة أسرة", {D(300)}),
        # "في المائة" ending the text tags the number as a percentage ("المائة" also reads as 100)
        ("ارتفع التضخم 3 في المائة", {D(3), ("pct", D(3)), D(100)}),
        # a year is not a percentage
        ("في عام 2016", {D(2016)}),
        # an n-fold adjective: a tripartite meeting states 3
        ("عقد اجتماع ثلاثي", {D(3)}),
        # a decade: the tag and the two centuries' years
        ("انخفضت الأسعار في التسعينيات", {("decade", D(90)), D(1990), D(2090)}),
        # a decade of a named century: that century's years only (1880), and the century itself (19)
        ("في ثمانينيات القرن التاسع عشر", {("decade", D(80)), D(1880), D(19)}),
    ],
    ids=["dual-scale-half", "ordinal-after-hundred", "trailing-yet", "ten-thousand", "three-hundred",
         "percent-words", "year-not-percent", "n-fold", "decade", "decade-of-century"],
)
def test_arabic_values(arabic: str, values: set) -> None:
    assert set(arabic_numbers(arabic).values) == values


@pytest.mark.parametrize(
    ("arabic", "mentions"),
    [
        # 10-15: both numbers also carry the pair, in both orders
        ("تنطبق المادتان 10-15",
         [({D(10), (10, 15), (15, 10)}, True), ({D(15), (10, 15), (15, 10)}, True)]),
        # an ordinal past the second should be accounted for; "ثانيا" (secondly) need not be
        ("بدأت القمة في السادس من أكتوبر", [({D(6)}, True)]),
        ("وثانيا أكد الوزير", [({D(2)}, False)]),
        # a definite cardinal with بال (in the thousands) is not a count
        ("تقدر أعداد الضحايا بالآلاف", [({D(1000)}, False)]),
        # a decade is a claim
        ("انخفضت الأسعار في التسعينيات", [({("decade", D(90)), D(1990), D(2090)}, True)]),
        # a fraction word is a percentage that need not be accounted for
        ("ارتفع الإنتاج بمقدار الربع", [({("pct", D(25))}, False)]),
        # "القرن ال" ending the text names no century: the decade in either century
        ("في ثمانينيات القرن ال", [({("decade", D(80)), D(1980), D(2080)}, True)]),
        # a century number up to 30 is one; past it, the number stands alone
        ("في ثمانينيات القرن 30", [({("decade", D(80)), D(2980), D(30)}, True)]),
        ("في ثمانينيات القرن 31", [({("decade", D(80)), D(1980), D(2080)}, True), ({D(31)}, True)]),
    ],
    ids=["range-pair", "sixth-ordinal", "secondly", "in-the-thousands", "decade", "fraction", "century-article-last",
         "century-30", "century-31"],
)
def test_arabic_mentions(arabic: str, mentions: list[tuple[set, bool]]) -> None:
    assert [(set(m.values), m.strong) for m in arabic_numbers(arabic).mentions] == mentions


def test_digit_group_glued_to_a_word_leaves_the_word_whole() -> None:
    # text extracted from PDF often drops the space before digits: the dual الفقرتان must still be read
    numbers = arabic_numbers("تنطبق الفقرتان116 123 على الحالة")
    assert numbers.has_dual
    assert numbers.mentions == (Mention(frozenset({D(116), D(123), D(116123), D(123116)}), True),)


# --------------------------------------------------------------------------- check


@pytest.mark.parametrize(
    ("english", "arabic", "flagged"),
    [
        ("A wall 5 m high was built.", "بني جدار بارتفاع 5 أمتار.", []),
        ("The curfew began at 7 p.m.", "بدأ حظر التجول في الساعة 19.", []),
        ("Officials counted 45000 displaced.", "أحصى المسؤولون 45,000 نازح.", []),
        ("The population reached 2.5 million.", "بلغ عدد السكان مليونين ونصف.", []),
        ("This is the 105th session.", "هذه هي الدورة الخامسة بعد المائة.", []),
        ("The fund received 10,000 dollars.", "تلقى الصندوق عشرة آلاف دولار.", []),
        ("Some 300 families returned.", "عادت نحو ثلاث مئة أسرة.", []),
        ("Prices rose in the 1880s.", "ارتفعت الأسعار في ثمانينيات القرن التاسع عشر.", []),
        # "in the thousands" is no count an English number must account for
        ("In 2015, the victims were in the thousands.", "في 2015 قدرت أعداد الضحايا بالآلاف.", []),
        # a number opening the sentence is checked like any other
        ("12 ministers resigned", "استقال وزراء", ["12"]),
    ],
)
def test_check(english: str, arabic: str, flagged: list[str]) -> None:
    assert check_numbers(english, arabic) == flagged


@pytest.mark.parametrize(
    ("english", "arabic", "flagged"),
    [
        # an opening straight quote is no closing one: the number after it is checked, not taken for a footnote
        ('In 2015 officials said "12 people died".', "في 2015 قال المسؤولون إن عدة أشخاص لقوا حتفهم.", ["12"]),
        ('In 2015 officials said "12 people died".', "في 2015 قال المسؤولون إن 12 شخصا لقوا حتفهم.", []),
        # glued to the sentence it closes, it is: a footnote marker passes
        ('He said "no."12 Later, in 2015, it ended.', "قال لا. وفي 2015 انتهى.", []),
        ("He said \u201cno.\u201d12 Later, in 2015, it ended.", "قال لا. وفي 2015 انتهى.", []),
        ("The ministers\u2019 12 aides left.", "غادر مساعدو الوزراء.", ["12"]),
        # a decade of a century written in digits, with or without the article: the 1880s
        ("Prices rose in the 1880s.", "ارتفعت الأسعار في ثمانينيات القرن الـ19.", []),
        ("Prices rose in the 1880s.", "ارتفعت الأسعار في ثمانينيات القرن 19.", []),
        ("Prices rose in the 1880s.", "ارتفعت الأسعار في ثمانينيات القرن التاسع عشر.", []),
        ("Prices rose in the 1980s.", "ارتفعت الأسعار في ثمانينيات القرن الـ19.", ["1980s"]),
        ("Prices rose in the 19th century.", "ارتفعت الأسعار في ثمانينيات القرن الـ19.", []),
        ("Prices rose in the 1880s.", "ارتفعت الأسعار في ثمانينيات القرن الماضي.", ["1880s"]),
    ],
)
def test_quotes_and_centuries_in_a_translation(english: str, arabic: str, flagged: list[str]) -> None:
    assert check_numbers(english, arabic) == flagged


@pytest.mark.parametrize("century", ["القرن الـ19", "القرن 19", "القرن التاسع عشر"])
def test_a_decade_and_its_century_are_one_mention(century: str) -> None:
    (mention,) = arabic_numbers(f"في ثمانينيات {century}").mentions
    assert set(mention.values) == {("decade", D(80)), D(1880), D(19)} and mention.strong


@pytest.mark.parametrize(("arabic", "latin"), [("نشر تقرير BBC عن 3 دول", True), ("نشر تقرير عن 3 دول", False)])
def test_arabic_text_with_latin_letters_is_marked(arabic: str, latin: bool) -> None:
    assert arabic_numbers(arabic).latin is latin
