"""Every bad input of issue 5: one stderr line naming it and the problem, no traceback, exit 1, others still printed.

Each case runs next to a good release (the seed), through the real command line (CliRunner; a subprocess where
stdin size or the full eval folder matters). The table rows double as the README table "What arsum does with
bad input".
"""

from __future__ import annotations

import builtins
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO_ROOT, SHARED_EVAL
from typer.testing import CliRunner

from arsum.cli.app import app
from arsum.text.arabic import MAX_SENTENCE_CHARS
from arsum.text.inputs import DEFAULT_MAX_BYTES

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
SEED_ID = f"{SEED.name}#1"
runner = CliRunner()


def summarize(*args: str, input: bytes | str | None = None):  # noqa: A002 - mirrors CliRunner
    return runner.invoke(app, ["summarize", "--no-english", "-f", "jsonl", *args], input=input)


def printed_ids(stdout: str) -> list[str]:
    return [json.loads(line)["id"] for line in stdout.splitlines()]


def assert_one_clean_error(result, source: str, problem: str) -> None:  # noqa: ANN001
    """The contract for a bad input: exit 1, exactly one stderr line naming it and the problem, no traceback."""
    assert result.exit_code == 1, (result.exit_code, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("arsum: ")
    assert source in lines[0] and problem in lines[0], lines[0]
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


# --------------------------------------------------------------------------- one table, one bad file each

def _missing(tmp: Path) -> Path:
    return tmp / "missing.txt"


def _dir_without_txt(tmp: Path) -> Path:
    folder = tmp / "no-txt"
    folder.mkdir()
    (folder / "notes.md").write_text("# not a release\n", encoding="utf-8")
    (folder / "release.TXT.bak").write_bytes(SEED.read_bytes())
    return folder


def _file(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data)
        return path

    return make


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
LATIN1_FRENCH = "Communiqué de presse : l'élève a reçu un prix à Noël.\n".encode("latin-1") * 20
SHIFT_JIS = "東京で会議が開かれた。".encode("shift_jis") * 20
ODD_UTF16 = b"\xff\xfe" + "نص عربي".encode("utf-16-le") + b"\xd8"  # BOM, then a lone surrogate half
ENGLISH = b"Ministry statement\n\nThe minister met the delegation on Monday. Talks covered trade.\n"

BAD_FILES = [
    # (id, make the input, problem named on stderr)
    ("missing-path", _missing, "no such file or directory"),
    ("directory-without-txt", _dir_without_txt, "directory has no .txt files"),
    ("empty-file", _file("empty.txt", b""), "empty file"),
    ("whitespace-only", _file("blank.txt", b" \n\t\r\n \xc2\xa0 \n"), "empty file"),
    ("binary-png", _file("image.txt", PNG), "binary file"),
    ("binary-nul-in-arabic", _file("nul.txt", "خبر".encode() + b"\x00" + "نص".encode()), "binary file"),
    ("latin1-not-cp1256", _file("latin1.txt", LATIN1_FRENCH), "not valid UTF-8, UTF-16 or Windows-1256"),
    ("shift-jis", _file("sjis.txt", SHIFT_JIS), "not valid UTF-8, UTF-16 or Windows-1256"),
    ("broken-utf16", _file("utf16.txt", ODD_UTF16), "not valid UTF-8, UTF-16 or Windows-1256"),
    ("no-arabic", _file("english.txt", ENGLISH), "no Arabic text (use --lang"),
    ("only-separators", _file("dashes.txt", "---\n---\n".encode()), "no release text"),
]


@pytest.mark.parametrize(("make", "problem"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_bad_file_is_one_line_and_the_good_one_is_printed(
    tmp_path: Path, make: Callable[[Path], Path], problem: str
) -> None:
    bad = make(tmp_path)
    result = summarize(str(bad), str(SEED))
    assert_one_clean_error(result, str(bad), problem)
    assert printed_ids(result.stdout) == [SEED_ID]


@pytest.mark.parametrize(("make", "problem"), [c[1:] for c in BAD_FILES[2:]], ids=[c[0] for c in BAD_FILES[2:]])
def test_bad_stdin_is_named_stdin(tmp_path: Path, make: Callable[[Path], Path], problem: str) -> None:
    data = make(tmp_path).read_bytes()
    result = summarize("-", str(SEED), input=data)
    assert_one_clean_error(result, "<stdin>", problem)
    assert printed_ids(result.stdout) == [SEED_ID]


def test_text_without_arabic_is_summarised_with_lang(tmp_path: Path) -> None:
    english = tmp_path / "english.txt"
    english.write_bytes(ENGLISH)
    result = summarize(str(english), "--lang", "en", "-n", "2")
    assert result.exit_code == 0, result.stderr
    [release] = [json.loads(line) for line in result.stdout.splitlines()]
    assert release["title"] == "Ministry statement"
    assert [s["text"] for s in release["arabic_summary"]] == [
        "The minister met the delegation on Monday.",
        "Talks covered trade.",
    ]


# --------------------------------------------------------------------------- unreadable (tests run as root)

@pytest.fixture
def deny_reading(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Make `open` fail with EACCES for chosen paths, as it does for a mode-000 file under a normal user."""
    denied: set[str] = set()
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if os.fspath(file) in denied:
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    import arsum.text.inputs

    monkeypatch.setattr(arsum.text.inputs, "open", guarded_open, raising=False)
    return lambda path: denied.add(str(path))


@pytest.mark.parametrize("input_format", ["text", "jsonl"])
def test_unreadable_file_is_one_line(tmp_path: Path, deny_reading, input_format: str) -> None:  # noqa: ANN001
    locked = tmp_path / ("locked.jsonl" if input_format == "jsonl" else "locked.txt")
    locked.write_bytes(SEED.read_bytes() if input_format == "text" else b'{"text": "\xd9\x86\xd8\xb5"}\n')
    deny_reading(locked)
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "good", "title": "عنوان", "text": "جملة أولى. جملة ثانية."}) + "\n")
    others = [str(SEED)] if input_format == "text" else [str(good)]
    result = summarize("--input-format", input_format, str(locked), *others)
    assert_one_clean_error(result, str(locked), "permission denied")
    assert printed_ids(result.stdout) == ([SEED_ID] if input_format == "text" else ["good"])


# --------------------------------------------------------------------------- size limits

def test_50_mb_file_is_refused_quickly_without_being_read(tmp_path: Path, deny_reading) -> None:  # noqa: ANN001
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: costs no disk
    deny_reading(big)  # opening it at all would turn the message into "permission denied"
    result = summarize(str(big), str(SEED))
    assert_one_clean_error(result, str(big), f"above the --max-bytes limit of {DEFAULT_MAX_BYTES}")
    assert str(50 * 1024 * 1024) in result.stderr
    assert printed_ids(result.stdout) == [SEED_ID]


def test_50_mb_on_stdin_is_refused_with_bounded_reading(tmp_path: Path) -> None:
    """stdin has no size: arsum reads up to the limit, drains the rest in 1 MB chunks, and goes on."""
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    with big.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-m", "arsum", "summarize", "-", str(SEED), "--no-english", "-f", "jsonl"],
            stdin=stdin, capture_output=True, text=True, timeout=60, check=False,
        )
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line == f"arsum: <stdin>: input is more than {DEFAULT_MAX_BYTES} bytes, above the --max-bytes limit"
    assert printed_ids(done.stdout) == [SEED_ID]


def test_endless_stdin_is_refused_not_drained() -> None:
    with open("/dev/zero", "rb") as endless:
        done = subprocess.run(
            [sys.executable, "-m", "arsum", "summarize", "--no-english", "--max-bytes", "1000"],
            stdin=endless, capture_output=True, text=True, timeout=60, check=False,
        )
    assert done.returncode == 1
    assert done.stderr.strip() == "arsum: <stdin>: input is more than 1000 bytes, above the --max-bytes limit"


def test_max_bytes_boundary(tmp_path: Path) -> None:
    small = tmp_path / "small.txt"
    small.write_bytes(SEED.read_bytes())
    size = small.stat().st_size
    at_limit = summarize(str(small), "--max-bytes", str(size))
    assert at_limit.exit_code == 0, at_limit.stderr
    assert printed_ids(at_limit.stdout) == ["small.txt#1"]
    above = summarize(str(small), "--max-bytes", str(size - 1))
    assert_one_clean_error(above, str(small), f"file is {size} bytes, above the --max-bytes limit of {size - 1}")
    assert above.stdout == ""


def test_max_bytes_refuses_each_oversized_input_on_its_own_line(tmp_path: Path) -> None:
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("خبر قصير\n\nجملة واحدة فقط.\n", encoding="utf-8")
    limit = tiny.stat().st_size
    result = summarize(str(SEED), str(tiny), "--max-bytes", str(limit))
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert str(SEED) in line and f"--max-bytes limit of {limit}" in line
    assert printed_ids(result.stdout) == ["tiny.txt#1"]


# --------------------------------------------------------------------------- one enormous sentence

RUN_ON_WORDS = ("الوزير", "التعاون", "الاقتصاد", "المملكة", "الاجتماع", "التنمية", "المشروع")


@pytest.mark.parametrize("separator", [" ", ""], ids=["words", "no-spaces"])
def test_20000_character_sentence_is_split_into_bounded_pieces(tmp_path: Path, separator: str) -> None:
    words = (f"{RUN_ON_WORDS[i % len(RUN_ON_WORDS)]}{i}" for i in range(20_000))
    run_on = separator.join(words)[:20_000]
    assert len(run_on) == 20_000
    path = tmp_path / "run-on.txt"
    path.write_text("عنوان الخبر\n" + run_on + "\n", encoding="utf-8")
    result = summarize(str(path), "-n", "5", "-f", "json")
    assert result.exit_code == 0, result.stderr
    [release] = json.loads(result.stdout)
    assert release["sentences"] >= 20_000 // MAX_SENTENCE_CHARS
    assert len(release["arabic_summary"]) == 5
    for sentence in release["arabic_summary"]:
        assert 0 < len(sentence["text"]) <= MAX_SENTENCE_CHARS
        assert sentence["text"] in run_on


def test_20000_character_first_line_does_not_become_the_title(tmp_path: Path) -> None:
    path = tmp_path / "run-on.txt"
    path.write_text("ك" * 20_000, encoding="utf-8")
    result = summarize(str(path), "-f", "json")
    assert result.exit_code == 0, result.stderr
    [release] = json.loads(result.stdout)
    assert release["title"] is None
    assert "no headline: the text opens with its body (title is null)" in release["warnings"]


# --------------------------------------------------------------------------- malformed JSON lines

def test_malformed_json_lines_name_their_line_and_the_rest_go_on(tmp_path: Path) -> None:
    good = {"title": "عنوان", "text": "جملة أولى عن الاقتصاد. جملة ثانية عن التجارة."}
    lines = [
        json.dumps({"id": "first", **good}, ensure_ascii=False).encode(),  # 1
        b"{broken",  # 2
        b"[1, 2, 3]",  # 3
        json.dumps({"id": "x", "title": "عنوان"}).encode(),  # 4: no text
        b"",  # 5: blank lines are skipped silently
        json.dumps({"id": "x", "text": 42}).encode(),  # 6
        b'{"id": "x", "text": "\xff\xfe"}',  # 7: not UTF-8
        json.dumps({"id": "x", "text": "English only."}).encode(),  # 8
        json.dumps({"id": "last", **good}, ensure_ascii=False).encode(),  # 9
    ]
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = summarize("--input-format", "jsonl", str(path))
    assert result.exit_code == 1
    assert printed_ids(result.stdout) == ["first", "last"]
    errors = result.stderr.strip().splitlines()
    expected = {
        2: "invalid JSON", 3: "expected an object", 4: 'missing "text"', 6: '"text" is not a string',
        7: "not valid UTF-8", 8: "no Arabic text",
    }
    assert len(errors) == len(expected)
    for line, (lineno, problem) in zip(errors, sorted(expected.items())):
        assert line.startswith(f"arsum: {path}:{lineno}: ") and problem in line, line
    assert "Traceback" not in result.stderr


def test_json_line_above_max_bytes_is_skipped_unread(tmp_path: Path) -> None:
    record = json.dumps({"id": "ok", "title": "عنوان", "text": "جملة أولى. جملة ثانية."}, ensure_ascii=False)
    huge = json.dumps({"id": "huge", "text": "ك " * 5000})
    path = tmp_path / "feed.jsonl"
    path.write_text(f"{record}\n{huge}\n{record}\n", encoding="utf-8")
    result = summarize("--input-format", "jsonl", "--max-bytes", "1000", str(path))
    assert_one_clean_error(result, f"{path}:2", "line is above the --max-bytes limit of 1000")
    assert printed_ids(result.stdout) == ["ok", "ok"]


# --------------------------------------------------------------------------- the "done when" run

@pytest.mark.skipif(not (SHARED_EVAL / "spa").is_dir(), reason="../shared/eval/spa not present")
def test_eval_folder_plus_bad_folder(tmp_path: Path) -> None:
    """All of ../shared/eval/spa plus a folder of every bad file: one JSON line per good release, one stderr
    line per bad input (plus the one notice that no English model is downloaded), no traceback, exit 1."""
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad_paths = []
    for _, make, _problem in BAD_FILES:
        made = make(bad_dir)
        if made.suffix == ".txt" and made.exists():
            bad_paths.append(made)
    missing = tmp_path / "missing.txt"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run(
        [sys.executable, "-m", "arsum", "summarize", str(SHARED_EVAL / "spa"), str(bad_dir), str(missing),
         "--format", "jsonl"],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    good = sorted((SHARED_EVAL / "spa").glob("*.txt"))
    releases = [json.loads(line) for line in done.stdout.splitlines()]
    read = [part.rsplit("#", 1)[0] for r in releases for part in (r["parts"] or [r["id"]])]  # parts joined: one record
    assert sorted(read) == sorted(p.name for p in good)
    errors = done.stderr.strip().splitlines()
    notices = [e for e in errors if "English summary skipped" in e]
    assert len(notices) == 1 and "arsum models pull" in notices[0]
    per_input = [e for e in errors if e not in notices]
    assert len(per_input) == len(bad_paths) + 1
    for path in [*bad_paths, missing]:
        assert sum(e.startswith(f"arsum: {path}: ") for e in per_input) == 1, path
