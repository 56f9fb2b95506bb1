"""Release parsing: separators, desk labels, subtitles and wire-agency furniture."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from arsum.errors import InputError
from arsum.text.releases import build_release, parse_releases

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
SPA = ROOT.parent / "shared" / "eval" / "spa"
SPA_FILES = sorted(SPA.glob("*.txt")) if SPA.is_dir() else []

WIRE = """سياسي / وزير الخارجية يلتقي نظيره الروسي

الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس
التقى وزير الخارجية اليوم نظيره الروسي، وبحثا العلاقات الثنائية.
وأكد الجانبان أهمية التعاون.
// انتهى //
14:05 ت غ
"""


def parse(text: str, **kw) -> list:
    return parse_releases(text, source="t.txt", name="t.txt", encoding="utf-8", **kw)


def test_wire_release_fields() -> None:
    (r,) = parse(WIRE)
    assert r.id == "t.txt#1"
    assert r.desk == "سياسي"
    assert r.title == "وزير الخارجية يلتقي نظيره الروسي"
    assert r.subtitle is None
    assert r.dateline == "الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس"
    assert r.end_marker is True
    assert r.timestamp == "14:05 ت غ"
    assert r.paragraphs == ("التقى وزير الخارجية اليوم نظيره الروسي، وبحثا العلاقات الثنائية.", "وأكد الجانبان أهمية التعاون.")
    assert [(s.index, s.paragraph) for s in r.sentences] == [(0, 0), (1, 1)]
    assert r.warnings == ()


@pytest.mark.parametrize(
    ("first_line", "desk", "title"),
    [
        ("عام / افتتاح معرض الكتاب", "عام", "افتتاح معرض الكتاب"),
        ("اقتصادي/ ارتفاع مؤشر الأسهم", "اقتصادي", "ارتفاع مؤشر الأسهم"),
        ("تقرير / \"شرم أبحر\" يهيم بزواره / إضافة أولى", "تقرير", "\"شرم أبحر\" يهيم بزواره / إضافة أولى"),
        ("افتتاح معرض الكتاب في الرياض", None, "افتتاح معرض الكتاب في الرياض"),
        ("بلغ النمو 3 / 4 في المئة", None, "بلغ النمو 3 / 4 في المئة"),
    ],
)
def test_desk_label(first_line: str, desk: str | None, title: str) -> None:
    (r,) = parse(first_line + "\n\nنص الخبر هنا.")
    assert (r.desk, r.title) == (desk, title)


def test_separator_splits_and_skips_empty_chunks() -> None:
    text = "عنوان أول\n\nنص أول.\n  ---  \n\n---\nعنوان ثان\n\nنص ثان. وجملة.\n---\n"
    releases = parse(text)
    assert [r.id for r in releases] == ["t.txt#1", "t.txt#2"]
    assert [r.title for r in releases] == ["عنوان أول", "عنوان ثان"]
    assert [len(r.sentences) for r in releases] == [1, 2]


def test_title_only_release_warns() -> None:
    (r,) = parse("عنوان بلا نص\n")
    assert r.sentences == () and r.paragraphs == ()
    assert r.warnings == ("no body text after the title",)


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "empty file"), (" \n\t\n", "empty file"), ("Only English here.", "no Arabic text (use --lang to summarise anyway)")],
)
def test_errors(text: str, problem: str) -> None:
    with pytest.raises(InputError) as info:
        parse(text)
    assert info.value.problem == problem and info.value.source == "t.txt"


def test_no_arabic_allowed_when_not_required() -> None:
    (r,) = parse("Headline\n\nBody sentence one. Body two.", require_arabic=False)
    assert r.title == "Headline" and len(r.sentences) == 2


def test_seed_title_and_subtitle() -> None:
    (r,) = parse(SEED.read_text(encoding="utf-8"))
    assert r.title.startswith("مساعد الرئيس الأذربيجاني")
    assert r.subtitle == "إبراز الدور الهام لأذربيجان في ضمان أمن طاقة أوروبا"
    assert r.desk is None and r.dateline is None and r.end_marker is False
    assert len(r.paragraphs) == 12
    assert len(r.sentences) == 14
    assert all(s.text in r.paragraphs[s.paragraph] for s in r.sentences)


@pytest.mark.parametrize(
    ("line", "dateline", "first"),
    [
        ("جدة 25 شوال 1436هـ الموافق 10 أغسطس 2015م واس", "جدة 25 شوال 1436هـ الموافق 10 أغسطس 2015م واس", None),
        ("نجران 25 شوال 1436 هـ الموافق 10 أغسطس 2015 مواس", "نجران 25 شوال 1436 هـ الموافق 10 أغسطس 2015 مواس", None),
        ("الرياض 25 شوال 1436 هـ الموافق 10 اغسطس 2015 م واس أعلنت الوزارة اليوم النتائج.",
         "الرياض 25 شوال 1436 هـ الموافق 10 اغسطس 2015 م واس", "أعلنت الوزارة اليوم النتائج."),
        ("دبي 10 أغسطس (وام) - أعلنت الهيئة اليوم النتائج.", "دبي 10 أغسطس (وام)", "أعلنت الهيئة اليوم النتائج."),
        ("أعلنت الوزارة الموافقة على المشروع اليوم.", None, "أعلنت الوزارة الموافقة على المشروع اليوم."),
    ],
)
def test_dateline_variants(line: str, dateline: str | None, first: str | None) -> None:
    (r,) = parse(f"عنوان\n\n{line}\nجملة أخرى.\n")
    assert r.dateline == dateline
    assert r.sentences[0].text == (first or "جملة أخرى.")


@pytest.mark.parametrize(
    ("tail", "end_marker", "timestamp"),
    [
        ("// انتهى //\n06:20 ت م", True, "06:20 ت م"),
        ("//انتهى//\n10:49 ت م", True, "10:49 ت م"),
        ("// انتهى//\n", True, None),
        ("// يتبع // 11:02 ت م", False, "11:02 ت م"),
        ("وانتهى الاجتماع في الساعة 10:30", False, None),
    ],
)
def test_end_furniture(tail: str, end_marker: bool, timestamp: str | None) -> None:
    (r,) = parse(f"عنوان\n\nنص الخبر.\n{tail}\n")
    assert (r.end_marker, r.timestamp) == (end_marker, timestamp)
    assert all("//" not in s.text for s in r.sentences)


def test_build_release_for_json_lines() -> None:
    r = build_release(id="a1", title="عام / عنوان", text="الرياض 10 أغسطس 2015 م واس\nنص. ثم نص.\n// انتهى //", source="x.jsonl:1")
    assert (r.id, r.title, r.desk, r.dateline, r.end_marker) == ("a1", "عنوان", "عام", "الرياض 10 أغسطس 2015 م واس", True)
    assert [s.text for s in r.sentences] == ["نص.", "ثم نص."]


_FURNITURE = re.compile(r"//\s*(انتهى|يتبع)\s*//|\d{1,2}:\d{2}\s*ت\s*[مغ]\s*$")


@pytest.mark.skipif(not SPA_FILES, reason="../shared/eval/spa not present")
@pytest.mark.parametrize("path", SPA_FILES, ids=[p.name for p in SPA_FILES])
def test_spa_furniture_never_in_sentences(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    (r,) = parse_releases(text, source=str(path), name=path.name, encoding="utf-8")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    assert r.desk and r.title and r.sentences
    assert r.timestamp is not None and re.fullmatch(r"\d{2}:\d{2} ت م", r.timestamp)
    assert r.end_marker == bool(re.search(r"//\s*انتهى\s*//", text))
    if "الموافق" in lines[1][:80]:
        assert r.dateline == lines[1] and r.dateline.endswith("واس")
    else:  # continuation parts (إضافة أولى ...) carry no dateline
        assert r.dateline is None and "إضافة" in r.title
    for s in r.sentences:
        assert not _FURNITURE.search(s.text)
        assert r.dateline is None or r.dateline not in s.text
        assert s.text in r.paragraphs[s.paragraph]
