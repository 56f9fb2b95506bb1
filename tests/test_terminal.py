"""What a person sees at the terminal: bidi rows, numbered panels, support words, quiet notices, CLI conventions."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import unicodedata
from dataclasses import replace
from importlib import import_module
from pathlib import Path

import pytest
from conftest import REPO_ROOT, SHARED_EVAL
from typer.testing import CliRunner

from arsum.cli.app import app
from arsum.cli.render import RichRenderer, make_renderer, score_text
from arsum.cli.rtl import layout
from arsum.tasks.extractive import ExtractiveSummarizer
from arsum.tasks.results import EnglishSentence, EnglishSummary, ReleaseSummary
from arsum.text.releases import parse_releases

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
runner = CliRunner()
_MIRRORED = str.maketrans("()[]{}<>«»", ")(][}{><»«")


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):  # noqa: A002
    return runner.invoke(app, list(args), input=input, env=env)


def seed_summary(count: int = 3) -> ReleaseSummary:
    [release] = parse_releases(SEED.read_text(encoding="utf-8"), source="seed", name="seed", encoding="utf-8")
    return ReleaseSummary(release, ExtractiveSummarizer().summarize(release, count=count))


def rendered_rows(item: ReleaseSummary, width: int, *, bidi: bool) -> list[str]:
    """The panel as a terminal of `width` columns shows it: one string per row, borders stripped."""
    stream = io.StringIO()
    renderer = RichRenderer(stream, bidi=bidi)
    renderer.console.width = width
    renderer.console.no_color = True
    renderer.write(item)
    return [row[2:-2] for row in stream.getvalue().splitlines()[1:-1]]  # inside "│ " and " │"


def logical_words(row: str) -> list[str]:
    """Undo what a reader's eye undoes on a reordered RTL row: words right to left, letters unshaped."""
    words = []
    for word in reversed(row.split()):
        back = word[::-1].translate(_MIRRORED)
        back = re.sub(r"[%٪‰]?\d(?:[\d.,]*\d)?", lambda m: m.group()[::-1], back)  # numbers (with %) stay LTR
        words.append(_unmarked(back))
    return words


def _unmarked(text: str) -> str:
    """Base letters only: shaping may move a haraka across a lam-alef ligature (test_bidi_keeps_harakat... checks them)."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if not unicodedata.combining(c))


def nfkc_words(text: str) -> list[str]:
    return _unmarked(text).split()


def rows_of(rows: list[str], label: str, next_labels: list[str], *, bidi: bool) -> list[str]:
    """The rows of the sentence that starts with `label` (its number), up to the next sentence or a warning."""
    starts = [i for i, r in enumerate(rows) if (r.endswith(label[::-1].strip()) if bidi else r.lstrip().startswith(label))]
    assert len(starts) == 1, (label, rows)
    end = len(rows)
    for i in range(starts[0] + 1, len(rows)):
        row = rows[i].lstrip()
        if row.startswith("⚠") or any((row.endswith(n[::-1].strip()) if bidi else row.startswith(n)) for n in next_labels):
            end = i
            break
    return rows[starts[0]:end]


@pytest.mark.parametrize("width", [50, 60, 70, 100, 160])
def test_bidi_rows_read_in_order_with_first_words_on_the_first_row(width: int) -> None:
    item = seed_summary(count=5)
    rows = rendered_rows(item, width, bidi=True)
    assert all(len(row) <= width for row in rows)
    labels = [f"{s.index + 1}. " for s in item.arabic_summary.sentences]
    for k, sentence in enumerate(item.arabic_summary.sentences):
        own = rows_of(rows, labels[k], labels[k + 1:], bidi=True)
        first = logical_words(own[0])
        assert first[0] == labels[k].strip()  # the number at the right edge, where an Arabic reader starts
        expected = nfkc_words(sentence.text)
        assert first[1:] == expected[: len(first) - 1]  # the sentence's first words are on its first row
        assert [w for row in own for w in logical_words(row)][1:] == expected  # every row, in reading order
    title_rows = [logical_words(r) for r in rows[:3]]
    assert title_rows[0] == nfkc_words(item.release.title)[: len(title_rows[0])]


@pytest.mark.parametrize("width", [60, 100])
def test_without_bidi_rows_stay_in_logical_order(width: int) -> None:
    item = seed_summary()
    rows = rendered_rows(item, width, bidi=False)
    for sentence in item.arabic_summary.sentences:
        label = f"{sentence.index + 1}. "
        own = rows_of(rows, label, [f"{s.index + 1}. " for s in item.arabic_summary.sentences if s != sentence], bidi=False)
        assert " ".join(own).split()[1:] == sentence.text.split()


def test_layout_keeps_every_row_within_width_even_for_long_words() -> None:
    rows = layout("ك" * 45 + " كلمة", 20, label="12. ")
    assert all(len(r) <= 20 for r in rows)
    assert rows[0].startswith("12. ") and all(r.startswith("    ") for r in rows[1:])


def test_bidi_keeps_harakat_after_their_letter() -> None:
    [row] = layout("كَتَبَ", 20, reorder=True)
    assert not unicodedata.combining(row[0])  # a mark first would sit on the previous cell


def english_item(support: float, flags: tuple[str, ...] = (), sources: tuple[int, ...] = (0, -1)) -> ReleaseSummary:
    sentence = EnglishSentence("An English sentence.", support=support, sources=sources, flags=flags)
    english = EnglishSummary(sentence.text, (sentence,), model="tiny", revision=None, strategy="crosslingual")
    return replace(seed_summary(), english_summary=english)


@pytest.mark.parametrize(
    ("support", "flags", "expected"),
    [
        (0.71, (), "close in meaning 0.71, from 1, title"),
        (-0.001, ("low-support",), "not close in meaning 0.00, from 1, title"),
        (0.2, ("low-support", "number-not-in-source:12"),
         "not close in meaning 0.20, from 1, title; number 12 not in the Arabic"),
    ],
)
@pytest.mark.parametrize("fmt", ["rich", "text", "markdown"])
def test_support_is_a_word_with_sentence_numbers_never_minus_zero(
    fmt: str, support: float, flags: tuple[str, ...], expected: str
) -> None:
    stream = io.StringIO()
    renderer = make_renderer(fmt, stream)
    if fmt == "rich":
        renderer.console.width = 200  # type: ignore[attr-defined]
    renderer.write(english_item(support, flags))
    out = stream.getvalue().replace("\\[", "[").replace("\\]", "]")  # markdown escapes brackets
    assert expected in out and "-0.00" not in out
    assert "supported" not in out  # the label says what the score measures, never a verdict
    if fmt == "rich":
        assert ("█" if support > 0.1 else "░") in out


def test_arabic_sentences_numbered_from_one_in_human_formats() -> None:
    item = seed_summary()
    numbers = [s.index + 1 for s in item.arabic_summary.sentences]
    for fmt, pattern in (("text", "{}. "), ("markdown", "- ({}) ")):
        stream = io.StringIO()
        make_renderer(fmt, stream).write(item)
        for number, sentence in zip(numbers, item.arabic_summary.sentences):
            assert pattern.format(number) + sentence.text in stream.getvalue()
    rows = rendered_rows(item, 100, bidi=False)
    assert rows[0].split() == item.release.title.split()[: len(rows[0].split())]  # the title first, in full
    assert any(item.release.subtitle in row for row in rows)
    assert sum(row.lstrip().startswith(f"{n}. ") for row in rows for n in numbers) == 3


def test_score_text_has_no_negative_zero() -> None:
    assert [score_text(x) for x in (-0.004, -0.0, 0.004, -0.5, 0.716)] == ["0.00", "0.00", "0.00", "-0.50", "0.72"]


# ---------------------------------------------------------------------------------------- quiet by default


@pytest.mark.parametrize("fmt", ["rich", "text", "markdown", "json", "jsonl"])
def test_no_english_says_nothing_about_english(fmt: str) -> None:
    for args, env in (((), {"ARSUM_ENGLISH": "0"}), (("--no-english",), None)):
        result = run("summarize", str(SEED), "-f", fmt, *args, env=env)
        assert result.exit_code == 0, result.stderr
        assert "english" not in result.stdout.lower().replace('"english_summary": null', "")
        assert result.stderr == ""


@pytest.mark.parametrize("fmt", ["rich", "text", "markdown"])
def test_missing_model_is_one_stderr_line_per_run_and_not_in_panels(fmt: str) -> None:
    text = SEED.read_text(encoding="utf-8")
    result = run("summarize", "-", "-f", fmt, input=text + "\n---\n" + text)
    assert result.exit_code == 0
    [line] = result.stderr.strip().splitlines()
    assert "arsum models pull crosssum-m2m" in line
    assert "crosssum" not in result.stdout and "English" not in result.stdout


def test_quiet_silences_notices_not_errors(tmp_path: Path) -> None:
    assert run("summarize", str(SEED), "-q").stderr == ""
    missing = tmp_path / "nope.txt"
    result = run("summarize", str(missing), str(SEED), "-q")
    assert result.exit_code == 1 and str(missing) in result.stderr


def test_stdin_hint_only_when_reading_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []

    class Tty(io.BytesIO):
        buffer = io.BytesIO()

        def isatty(self) -> bool:
            return True

    cli_app = import_module("arsum.cli.app")  # the module; `arsum.cli.app` as an attribute is the Typer app
    monkeypatch.setattr(sys, "stdin", Tty())
    cli_app._load(None, cli_app.InputFormat.text, None, None, said.append)
    cli_app._load([str(SEED)], cli_app.InputFormat.text, None, None, said.append)
    assert len(said) == 1 and "Ctrl-D" in said[0]


# ---------------------------------------------------------------------------------------- conventions


@pytest.mark.parametrize("args", [("-h",), ("summarize", "-h"), ("models", "list", "-h")])
def test_short_help(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 0 and result.stdout.startswith("Usage:")


def test_short_version() -> None:
    assert run("-V").stdout.startswith("arsum ")


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("out.json", lambda t: json.loads(t)[0]["id"]),
        ("out.jsonl", lambda t: json.loads(t.splitlines()[0])["id"]),
        ("out.md", lambda t: t.startswith("## ")),
        ("out.txt", lambda t: t.startswith("# ")),
        ("out.JSON", lambda t: json.loads(t)[0]["id"]),
    ],
)
def test_output_extension_picks_the_format(tmp_path: Path, name: str, check) -> None:  # noqa: ANN001
    out = tmp_path / name
    assert run("summarize", str(SEED), "--no-english", "-o", str(out)).exit_code == 0
    assert check(out.read_text(encoding="utf-8"))
    forced = tmp_path / f"forced-{name}"
    assert run("summarize", str(SEED), "--no-english", "-o", str(forced), "-f", "text").exit_code == 0
    assert forced.read_text(encoding="utf-8").startswith("# ")


def test_jsonl_in_gives_jsonl_out_in_a_pipe() -> None:
    line = json.dumps({"id": "a", "title": "عنوان", "text": SEED.read_text(encoding="utf-8")}, ensure_ascii=False)
    result = run("summarize", "--input-format", "jsonl", "--no-english", input=line + "\n")
    assert json.loads(result.stdout)["id"] == "a"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("summarize", str(SEED), "--ratio", "0"), "--ratio"),
        (("summarize", str(SEED), "--ratio", "1.5"), "--ratio"),
        (("summarize", str(SEED), "-n", "0"), "--sentences"),
        (("summarize", str(SEED), "-f", "tsv"), "--format"),
        (("models", "list", "-f", "markdown"), "--format"),
        (("translate", str(SEED), "-f", "pdf"), "--format"),
    ],
)
def test_option_errors_name_the_option(args: tuple[str, ...], option: str) -> None:
    result = run(*args)
    assert result.exit_code == 2 and option in result.stderr


@pytest.mark.parametrize("sentence", ["زار الرئيس بلجيكا يومي 12 و 13 من الشهر الجاري.", "قال الوزير إن الحوار مفيد. وأضاف أنه سيستمر."])
def test_a_one_line_input_is_summarised_not_turned_into_a_title(sentence: str) -> None:
    result = run("summarize", "--no-english", "-f", "json", "-n", "5", input=sentence + "\n")
    [release] = json.loads(result.stdout)
    assert " ".join(s["text"] for s in release["arabic_summary"]) == sentence


@pytest.mark.skipif(not (SHARED_EVAL / "spa").is_dir(), reason="../shared/eval/spa not present")
def test_bidi_rows_on_held_out_releases() -> None:
    """Every SPA release's summary, at 70 columns: each sentence's rows read back to the sentence in order."""
    for path in sorted((SHARED_EVAL / "spa").glob("*.txt")):
        for release in parse_releases(path.read_text(encoding="utf-8"), source=str(path), name=path.name, encoding=None):
            item = ReleaseSummary(release, ExtractiveSummarizer().summarize(release, count=3))
            rows = rendered_rows(item, 70, bidi=True)
            labels = [f"{s.index + 1}. " for s in item.arabic_summary.sentences]
            for k, sentence in enumerate(item.arabic_summary.sentences):
                if re.search(r"[A-Za-z]", sentence.text):
                    continue  # embedded Latin runs read left to right inside the row; this check assumes none
                own = rows_of(rows, labels[k], labels[k + 1:], bidi=True)
                assert [w for row in own for w in logical_words(row)][1:] == nfkc_words(sentence.text), path


def test_progress_is_labelled_by_model_name_and_counts_across_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    from arsum.cli import progress

    monkeypatch.setattr(progress, "enabled", lambda: True)
    reporter = progress.TerminalReporter()
    for total in (1, 4):
        with reporter.track("/tmp/models/tiny-mt5/", total) as bar:
            bar.advance(total)
    assert reporter._counts == {"tiny-mt5": (5, 5)}
    assert [progress.model_label(d) for d in ("crosssum-m2m", "csebuetnlp/mT5_m2m", "C:\\m\\opus")] == [
        "crosssum-m2m", "mT5_m2m", "opus",
    ]


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")
def test_in_tmux_at_70_columns_bidi_puts_each_sentence_start_on_its_first_row(tmp_path: Path) -> None:
    """The real CLI in a real 70-column tmux pane (a terminal without bidi), read back with capture-pane."""
    item = seed_summary()
    socket = str(tmp_path / "tmux.sock")
    command = shlex.join([sys.executable, "-m", "arsum", "summarize", str(SEED), "--bidi", "--no-english", "-f", "rich"])
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    tmux = ["tmux", "-S", socket]
    subprocess.run([*tmux, "new-session", "-d", "-x", "70", "-y", "50", f"{command}; sleep 60"], env=env, check=True)
    try:
        screen = ""
        for _ in range(240):
            screen = subprocess.run([*tmux, "capture-pane", "-p"], capture_output=True, text=True, check=True).stdout
            if "╰" in screen:
                break
            time.sleep(0.25)
    finally:
        subprocess.run([*tmux, "kill-server"], check=False, capture_output=True)
    rows = [line[2:-2] for line in screen.splitlines() if line.startswith("│")]
    assert rows and all(len(line) <= 70 for line in screen.splitlines())
    for sentence in item.arabic_summary.sentences:
        [first] = [r for r in rows if r.endswith(f".{sentence.index + 1}")]
        words = logical_words(first)
        assert words[1:] == nfkc_words(sentence.text)[: len(words) - 1]


def test_shell_completion_script() -> None:
    result = run("--show-completion", "bash")
    assert result.exit_code == 0 and "complete" in result.stdout
    assert "--install-completion" in run("-h").stdout


@pytest.mark.parametrize("bidi", [False, True])
def test_panels_never_write_control_characters_from_the_input(bidi: bool) -> None:
    item = seed_summary()
    [first, *rest] = item.arabic_summary.sentences
    hostile = replace(first, text="نص\x1b[2J عربي\x07\x9b مع\tفاصل")
    item = replace(item, arabic_summary=replace(item.arabic_summary, sentences=(hostile, *rest)))
    rows = rendered_rows(item, 60, bidi=bidi)
    assert not any(re.search("[\x00-\x1f\x7f-\x9f]", row) for row in rows)
    assert any("x1b" in row for row in rows)
