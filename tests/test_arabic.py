"""Arabic normalisation, tokens and sentence segmentation."""

from __future__ import annotations

import pytest

from arsum.text.arabic import (
    MAX_SENTENCE_CHARS,
    STOPWORDS,
    arabic_ratio,
    content_terms,
    has_arabic,
    light_stem,
    normalize,
    sentence_spans,
    split_sentences,
    tokenize,
)

NORMALIZE_CASES = [
    ("أحمد", "احمد"),
    ("إلى", "الي"),
    ("آمال", "امال"),
    ("ٱلله", "الله"),
    ("مدرسة", "مدرسه"),
    ("مُحَمَّدٌ", "محمد"),
    ("قرآن\u0670", "قران"),
    ("جميـــل", "جميل"),
    ("٣٫٥ و ١٢٣", "3.5 و 123"),
    ("۱۲۳", "123"),
    ("\u200fمرحبا\u200e\u202b\u2067\u061c\ufeff", "مرحبا"),
    ("Hello WORLD", "hello world"),
    ("\ufefb", "لا"),
]


@pytest.mark.parametrize(("raw", "expected"), NORMALIZE_CASES)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", [r for r, _ in NORMALIZE_CASES] + ["إِنَّ الْمَمْلَكَةَ ـ ۲۰۱۵ م"])
def test_normalize_idempotent(raw: str) -> None:
    once = normalize(raw)
    assert normalize(once) == once


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("بلغ النمو 3.5 في المئة", ["بلغ", "النمو", "3.5", "في", "المئه"]),
        ("نحو ١٬٠٠٠ شخص، في الرياض.", ["نحو", "1,000", "شخص", "في", "الرياض"]),
        ("كوب 29 (COP29)", ["كوب", "29", "cop29"]),
        ("", []),
        ("... ، !", []),
    ],
)
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    ("token", "stem"),
    [
        ("والمملكه", "مملك"),
        ("بالرياض", "رياض"),
        ("المعلمون", "معلم"),
        ("الاتفاقات", "اتفاق"),
        ("كتابها", "كتاب"),
        ("وزير", "وزير"),
        ("من", "من"),  # too short to strip
        ("وسيارات", "سيار"),
        ("هو", "هو"),
    ],
)
def test_light_stem(token: str, stem: str) -> None:
    assert light_stem(token) == stem


def test_stopwords_are_normalised_and_dropped() -> None:
    assert {"في", "من", "الي", "علي", "قال", "اكد", "اضاف", "هذه"} <= STOPWORDS
    assert all(normalize(w) == w for w in STOPWORDS)
    terms = content_terms("وأكد الوزير أن المملكة العربية تدعم الاستقرار في المنطقة")
    assert terms == ["وزير", "مملك", "عرب", "تدعم", "استقرار", "منطق"]


@pytest.mark.parametrize(
    ("text", "has", "ratio"),
    [("الرياض", True, 1.0), ("Riyadh", False, 0.0), ("الرياض Riyadh", True, 0.5), ("123 ...", False, 0.0)],
)
def test_arabic_detection(text: str, has: bool, ratio: float) -> None:
    assert has_arabic(text) is has
    assert arabic_ratio(text) == pytest.approx(ratio)


SEGMENTATION_CASES = [
    ("empty", "", []),
    ("blank", " \n\t\n ", []),
    ("arabic comma never splits", "زار الوزير الرياض، والتقى المسؤولين، ثم غادر.", ["زار الوزير الرياض، والتقى المسؤولين، ثم غادر."]),
    ("decimals", "بلغ النمو 3.5 في المئة. وسجل 1.000.000 زائر.", ["بلغ النمو 3.5 في المئة.", "وسجل 1.000.000 زائر."]),
    ("quote after stop", 'وقال: "هذا يوم مهم." ثم غادر.', ['وقال: "هذا يوم مهم."', "ثم غادر."]),
    ("guillemets and brackets", "قال «انتهى الأمر.» وأضاف (بعد ذلك.) شيئا!", ["قال «انتهى الأمر.»", "وأضاف (بعد ذلك.)", "شيئا!"]),
    ("doctor", "التقى د. أحمد بالوزير. ثم عاد.", ["التقى د. أحمد بالوزير.", "ثم عاد."]),
    ("engineer and initials", "وقع م. علي عقدا مع ج.م.ع. أمس.", ["وقع م. علي عقدا مع ج.م.ع. أمس."]),
    ("po box", "العنوان ص.ب 123 الرياض.", ["العنوان ص.ب 123 الرياض."]),
    ("latin abbreviations", "Mr. Smith met U.S. officials. They agreed.", ["Mr. Smith met U.S. officials.", "They agreed."]),
    ("era marker ends a sentence", "تأسست عام 2015 م. وقال المدير كلمة.", ["تأسست عام 2015 م.", "وقال المدير كلمة."]),
    ("question marks and semicolon", "هل حضرت؟ نعم؛ حضرت! وماذا بعد?", ["هل حضرت؟", "نعم؛", "حضرت!", "وماذا بعد?"]),
    ("punctuation runs", "حقا؟! لا أصدق... ربما.", ["حقا؟!", "لا أصدق...", "ربما."]),
    ("headline line", "عنوان الخبر بلا نقطة\nنص الخبر الأول. نص ثان.", ["عنوان الخبر بلا نقطة", "نص الخبر الأول.", "نص ثان."]),
    ("crlf and blank lines", "سطر أول\r\n\r\nسطر ثان", ["سطر أول", "سطر ثان"]),
    ("glued stop between words", "وصل الرياض.وقال إنه سعيد.", ["وصل الرياض.", "وقال إنه سعيد."]),
    ("url is not split", "سجل عبر www.spa.gov.sa اليوم.", ["سجل عبر www.spa.gov.sa اليوم."]),
    ("space before stop", "عقدت اللجنة اجتماعها . وناقشت الموضوعات .", ["عقدت اللجنة اجتماعها .", "وناقشت الموضوعات ."]),
]


@pytest.mark.parametrize(("case", "text", "expected"), SEGMENTATION_CASES, ids=[c[0] for c in SEGMENTATION_CASES])
def test_split_sentences(case: str, text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected
    assert [text[s:e] for s, e in sentence_spans(text)] == expected


@pytest.mark.parametrize("max_chars", [50, 200, MAX_SENTENCE_CHARS])
def test_long_piece_without_punctuation_is_bounded(max_chars: int) -> None:
    text = "وأكد الوزير، أهمية التعاون بين البلدين في المجالات كافة " * 400
    spans = sentence_spans(text, max_chars)
    assert len(spans) > 1
    assert all(0 < e - s <= max_chars for s, e in spans)
    joined = "".join(text[s:e] for s, e in spans)
    assert joined.replace(" ", "") == text.replace(" ", "")
    # Cuts prefer the position right after a comma when one is in reach.
    if max_chars >= 200:
        assert sum(text[s:e].endswith("،") for s, e in spans) >= len(spans) - 1


def test_unbroken_token_is_hard_cut() -> None:
    spans = sentence_spans("ب" * 2000, 600)
    assert [e - s for s, e in spans] == [600, 600, 600, 200]


def test_hard_wrapped_text_with_line_breaks_off() -> None:
    text = "بدأ الاجتماع في\nالرياض صباح اليوم. وناقش\nالمجلس الموضوعات.\n\nفقرة ثانية"
    assert split_sentences(text, line_breaks=False) == [
        "بدأ الاجتماع في\nالرياض صباح اليوم.",
        "وناقش\nالمجلس الموضوعات.",
        "فقرة ثانية",
    ]
    assert len(split_sentences(text)) == 5
