"""Wire feeds cut at the wire's own boundaries, and multi-part releases joined (arsum.text.releases)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arsum.cli.app import app
from arsum.text.inputs import load_releases
from arsum.text.releases import join_parts, parse_releases

DATE = "الرياض 3 رجب 1437 هـ الموافق 10 أبريل 2016 م واس"
DATE2 = "جدة 3 رجب 1437 هـ الموافق 10 أبريل 2016 م واس"


def release(head: str, body: str, *, date: str | None = DATE, end: str = "// انتهى //\n10:15 ت م") -> str:
    return "\n".join(x for x in (head, "", date, body, end) if x is not None)


A = release("عام / الهيئة تطلق حملة للتوعية بالسلامة المرورية", "أطلقت الهيئة اليوم حملة واسعة للتوعية بالسلامة المرورية.")
B = release("اقتصادي / ارتفاع مؤشر سوق الأسهم في ختام التداول", "ارتفع مؤشر سوق الأسهم اليوم بنسبة واحد في المئة.", date=DATE2)
C = release("رياضي / المنتخب يبدأ معسكره الإعدادي في الطائف", "بدأ المنتخب اليوم معسكره الإعدادي استعدادا للبطولة.")
TITLES = ["الهيئة تطلق حملة للتوعية بالسلامة المرورية", "ارتفاع مؤشر سوق الأسهم في ختام التداول",
          "المنتخب يبدأ معسكره الإعدادي في الطائف"]


def strip_end(text: str) -> str:
    return "\n".join(ln for ln in text.split("\n") if "انتهى" not in ln and "ت م" not in ln)


def parse(text: str, **kw) -> list:
    return parse_releases(text, source="f.txt", name="f.txt", encoding="utf-8", **kw)


@pytest.mark.parametrize(
    ("layout", "text", "titles"),
    [
        ("end markers, back to back", "\n".join([A, B, C]), TITLES),
        ("end markers, blank lines between", "\n\n".join([A, B, C]), TITLES),
        ("NNNN after the time stamp", "\n".join(r + "\nNNNN" for r in (A, B, C)), TITLES),
        ("marker and time stamp on the last sentence's line",
         "\n".join(r.replace(".\n// انتهى //\n10:15 ت م", ". // انتهى // 10:15 ت م") for r in (A, B, C)), TITLES),
        ("no end markers: desk label and dateline start a release", "\n".join(strip_end(r) for r in (A, B, C)), TITLES),
        ("no end markers, no desk labels: a headline over a dateline",
         "\n".join(strip_end(r).split(" / ", 1)[1] for r in (A, B, C)), TITLES),
        ("--- between releases still works", "\n---\n".join([A, B, C]), TITLES),
        ("one release", A, TITLES[:1]),
    ],
)
def test_feed_is_cut_into_its_releases(layout: str, text: str, titles: list[str]) -> None:
    found = parse(text)
    assert [r.title for r in found] == titles
    assert [r.id for r in found] == [f"f.txt#{k}" for k in range(1, len(titles) + 1)]
    assert all(r.dateline in (DATE, DATE2) and len(r.sentences) == 1 for r in found)
    assert all("end markers in one release" not in w for r in found for w in r.warnings)


@pytest.mark.parametrize(("split", "count", "warned"), [("auto", 3, False), ("separator", 1, True), ("never", 1, True)])
def test_split_modes(split: str, count: int, warned: bool) -> None:
    found = parse("\n".join([A, B, C]), split=split)
    assert len(found) == count
    assert any(w.startswith("3 end markers in one release") for w in found[0].warnings) is warned


def test_split_never_keeps_separators_out_of_the_text() -> None:
    (r,) = parse("\n---\n".join([A, B]), split="never")
    assert all("---" not in p for p in r.paragraphs)


def test_stdin_feed_is_cut_like_a_file() -> None:
    data = "\n".join([A, B, C]).encode("utf-8")
    found = list(load_releases(["-"], stdin=io.BytesIO(data)))
    assert [r.title for r in found] == TITLES
    assert [r.id for r in found] == ["stdin#1", "stdin#2", "stdin#3"]


# --------------------------------------------------------------------------- parts

HEAD = "عام / المجلس يعقد جلسته الأسبوعية برئاسة رئيسه"
P1 = release(HEAD, "عقد المجلس اليوم جلسته الأسبوعية وناقش عددا من الموضوعات.", end="// يتبع //\n11:00 ت م")
P2 = release(HEAD + " إضافة أولى", "وبين رئيس المجلس أن الجلسة تناولت تطورات الأوضاع في المنطقة.", date=None,
             end="// يتبع //\n11:05 ت م")
P3 = release(HEAD + " / إضافة ثانية وأخيرة", "واختتم المجلس جلسته بالموافقة على عدد من القرارات.", date=None)


def ids_titles(found: list) -> list[tuple[str | None, tuple[str, ...]]]:
    return [(r.title, r.parts) for r in found]


@pytest.mark.parametrize(
    ("layout", "texts", "records", "warnings"),
    [
        ("three parts in order", [P1, P2, P3], [("f.txt#1", ("f.txt#1", "f.txt#2", "f.txt#3"))], []),
        ("parts out of order", [P2, P1, P3], [("f.txt#2", ("f.txt#2", "f.txt#1", "f.txt#3"))], []),
        ("parts among other releases", [P1, A, P2, B, P3],
         [("f.txt#1", ("f.txt#1", "f.txt#3", "f.txt#5")), ("f.txt#2", ()), ("f.txt#4", ())], []),
        ("last part missing", [P1, P2], [("f.txt#1", ("f.txt#1", "f.txt#2"))], ["parts 1, 2 of a multi-part release"]),
        ("lone first part", [P1, A], [("f.txt#1", ()), ("f.txt#2", ())], ["release continues in a later part"]),
        ("lone later part", [P3], [("f.txt#1", ())], ["part 3 of a multi-part release"]),
        ("middle part missing", [P1, P3], [("f.txt#1", ()), ("f.txt#2", ())],
         ["release continues in a later part", "part 3 of a multi-part release"]),
    ],
)
def test_parts_are_joined(layout: str, texts: list[str], records: list, warnings: list[str]) -> None:
    found = list(join_parts(parse("\n".join(texts))))
    assert [(r.id, r.parts) for r in found] == records
    said = [w for r in found for w in r.warnings]
    assert all(any(w.startswith(expected) for w in said) for expected in warnings)
    if records[0][1]:
        story = found[0]
        assert story.title == "المجلس يعقد جلسته الأسبوعية برئاسة رئيسه" and story.dateline == DATE
        numbered = sorted(story.parts, key=lambda i: int(i.split("#")[1]))
        parsed = {r.id: r for r in parse("\n".join(texts))}
        assert [s.text for s in story.sentences] == [s.text for i in story.parts for s in parsed[i].sentences]
        assert [s.index for s in story.sentences] == list(range(len(story.sentences)))
        assert len(numbered) == len(story.parts)


def test_parts_in_a_folder_are_joined_and_keep_parts_keeps_them_apart(tmp_path: Path) -> None:
    for k, text in enumerate([P1, P2, P3], 1):
        (tmp_path / f"part{k}.txt").write_text(text, encoding="utf-8")
    (joined,) = list(load_releases([str(tmp_path)]))
    assert joined.parts == ("part1.txt#1", "part2.txt#1", "part3.txt#1")
    assert len(list(load_releases([str(tmp_path)], join=False))) == 3


@pytest.mark.parametrize("command", ["summarize", "translate"])
@pytest.mark.parametrize(
    ("args", "records", "parts"),
    [((), 1, [["feed.txt#1", "feed.txt#2", "feed.txt#3"]]), (("--keep-parts",), 3, [[], [], []]),
     (("--split", "never"), 1, [[]]), (("--split", "separator"), 1, [[]])],
)
def test_cli_split_and_keep_parts(command: str, args: tuple[str, ...], records: int, parts: list, tmp_path: Path,
                                  tiny_marian: Path) -> None:
    feed = tmp_path / "feed.txt"
    feed.write_text("\n".join([P1, P2, P3]), encoding="utf-8")
    base = ["summarize", "--no-english"] if command == "summarize" else ["translate", "--model", str(tiny_marian),
                                                                          "--no-support"]
    result = CliRunner().invoke(app, [*base, "-f", "jsonl", str(feed), *args])
    assert result.exit_code == 0, result.stderr
    found = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["parts"] for r in found] == parts
    assert sum(r["sentences"] for r in found) == (3 if records > 1 or not args else 5)  # unsplit: the later parts' headlines too
    split_off = any("end markers in one release" in w for r in found for w in r["warnings"])
    assert split_off is (args[:1] == ("--split",))


def test_cli_subprocess_reads_a_feed(tmp_path: Path) -> None:
    feed = tmp_path / "day.txt"
    feed.write_text("\n".join([A, B, C]), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "arsum", "summarize", "--no-english", "-f", "jsonl", str(feed)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert [json.loads(line)["title"] for line in out.stdout.splitlines()] == TITLES
