"""Reading inputs: encodings, paths, limits, JSON lines; errors are yielded per input."""

from __future__ import annotations

import builtins
import io
import json
from pathlib import Path

import pytest

from arsum.errors import InputError
from arsum.text.inputs import DEFAULT_MAX_BYTES, decode_bytes, load_releases
from arsum.text.release import Release

SEED = Path(__file__).resolve().parents[1] / "seeds" / "azerbaijan_nato_dialogue.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SEED_TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + SEED_TEXT.encode("utf-8"), "utf-8-sig"),
        (SEED_TEXT.encode("utf-16"), "utf-16-le"),  # Python writes a little-endian BOM
        (b"\xfe\xff" + SEED_TEXT.encode("utf-16-be"), "utf-16-be"),
        (SEED_TEXT.replace("”", '"').replace("–", "-").encode("windows-1256"), "windows-1256"),
    ],
)
def test_encodings_decode_to_same_text(tmp_path: Path, data: bytes, encoding: str) -> None:
    path = tmp_path / "seed.txt"
    path.write_bytes(data)
    text, name = decode_bytes(data, str(path))
    expected = SEED_TEXT if encoding != "windows-1256" else SEED_TEXT.replace("”", '"').replace("–", "-")
    assert (text, name) == (expected, encoding)
    (release,) = list(load_releases([str(path)]))
    assert isinstance(release, Release)
    assert release.encoding == encoding and release.id == "seed.txt#1"
    assert len(release.sentences) == 14


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (contains NUL bytes)"),
        (bytes(range(128, 256)) * 4, "not valid UTF-8, UTF-16 or Windows-1256 text"),
        (b"caf\xe9 au lait, cr\xe8me br\xfbl\xe9e", "not valid UTF-8, UTF-16 or Windows-1256 text"),
        (b"", "empty file"),
        (b"  \n\t \r\n", "empty file"),
        (b"Only English text here.\n", "no Arabic text (use --lang to summarise anyway)"),
    ],
)
def test_bad_file_yields_error_and_later_inputs_go_on(tmp_path: Path, data: bytes, problem: str) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(data)
    good = tmp_path / "good.txt"
    good.write_text(SEED_TEXT, encoding="utf-8")
    items = list(load_releases([str(bad), str(good)]))
    assert isinstance(items[0], InputError)
    assert (items[0].source, items[0].problem) == (str(bad), problem)
    assert isinstance(items[1], Release) and items[1].source == str(good)
    assert bad.read_bytes() == data  # inputs are never modified


def test_paths_missing_directory_and_order(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    for name in ("b.txt", "a.txt", "notes.md"):
        (d / name).write_text(SEED_TEXT, encoding="utf-8")
    (d / "sub").mkdir()
    (d / "sub" / "c.txt").write_text(SEED_TEXT, encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = tmp_path / "missing.txt"
    items = list(load_releases([str(missing), str(d), str(empty)]))
    assert isinstance(items[0], InputError) and items[0].problem == "no such file or directory"
    assert [r.id for r in items[1:3]] == ["a.txt#1", "b.txt#1"]
    assert isinstance(items[3], InputError)
    assert (items[3].source, items[3].problem) == (str(empty), "directory has no .txt files")
    assert len(items) == 4


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text(SEED_TEXT, encoding="utf-8")
    real_open = builtins.open

    def fake_open(file, *args, **kwargs):
        if str(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    (err,) = list(load_releases([str(locked)]))
    assert isinstance(err, InputError) and (err.source, err.problem) == (str(locked), "permission denied")


def test_max_bytes_file_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.txt"
    big.write_text(SEED_TEXT, encoding="utf-8")
    size = big.stat().st_size
    real_open = builtins.open
    opened: list[str] = []
    monkeypatch.setattr(builtins, "open", lambda f, *a, **k: (opened.append(str(f)), real_open(f, *a, **k))[1])
    (err,) = list(load_releases([str(big)], max_bytes=100))
    assert err.problem == f"file is {size} bytes, above the --max-bytes limit of 100"
    assert str(big) not in opened
    assert DEFAULT_MAX_BYTES == 10_000_000


@pytest.mark.parametrize("paths", [[], ["-"]])
def test_stdin(paths: list[str]) -> None:
    (r,) = list(load_releases(paths, stdin=io.BytesIO(SEED_TEXT.encode("utf-8"))))
    assert (r.source, r.id) == ("<stdin>", "stdin#1")


def test_stdin_over_limit() -> None:
    (err,) = list(load_releases(["-"], stdin=io.BytesIO(b"x" * 500), max_bytes=100))
    assert (err.source, err.problem) == ("<stdin>", "input is more than 100 bytes, above the --max-bytes limit")


def test_jsonl_good_malformed_and_missing_text(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "r1", "title": "عنوان أول", "text": "نص أول هنا. نص ثان هنا."}, ensure_ascii=False),
        "",
        "{not json",
        json.dumps({"id": "r3", "title": "بلا نص"}, ensure_ascii=False),
        json.dumps({"text": "عنوان من النص\n\nالرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس\nجملة."}, ensure_ascii=False),
        json.dumps(["قائمة"], ensure_ascii=False),
        json.dumps({"id": 7, "title": "Title", "text": "English only."}),
    ]
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode("utf-8") + b"\n")
    items = list(load_releases([str(path)], input_format="jsonl"))
    assert len(items) == 6
    r1, bad_json, no_text, r5, not_object, english = items
    assert isinstance(r1, Release) and (r1.id, r1.title, len(r1.sentences)) == ("r1", "عنوان أول", 2)
    assert isinstance(bad_json, InputError) and bad_json.source == f"{path}:3"
    assert bad_json.problem.startswith("invalid JSON: ")
    assert (no_text.source, no_text.problem) == (f"{path}:4", 'missing "text"')
    assert isinstance(r5, Release)
    assert (r5.id, r5.title, r5.dateline, [s.text for s in r5.sentences]) == (
        "in.jsonl:5", "عنوان من النص", "الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس", ["جملة."])
    assert isinstance(not_object, InputError) and not_object.source == f"{path}:6"
    assert isinstance(english, InputError) and english.problem.startswith("no Arabic text")


def test_jsonl_over_long_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    long = json.dumps({"title": "عنوان", "text": "كلمة " * 100}, ensure_ascii=False)
    short = json.dumps({"title": "عنوان", "text": "نص."}, ensure_ascii=False)
    path.write_text(long + "\n" + short + "\n", encoding="utf-8")
    err, ok = list(load_releases([str(path)], input_format="jsonl", max_bytes=200))
    assert isinstance(err, InputError) and err.source == f"{path}:1"
    assert isinstance(ok, Release) and ok.id == "in.jsonl:2"


def test_generator_is_lazy(tmp_path: Path) -> None:
    paths = []
    for i in range(3):
        p = tmp_path / f"{i}.txt"
        p.write_text(SEED_TEXT, encoding="utf-8")
        paths.append(str(p))
    gen = load_releases(paths)
    first = next(gen)
    Path(paths[2]).unlink()  # removed after the first was read: reported, not fatal
    rest = list(gen)
    assert isinstance(first, Release) and isinstance(rest[0], Release)
    assert isinstance(rest[1], InputError) and rest[1].problem == "no such file or directory"
