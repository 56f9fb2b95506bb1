"""`arsum check` as a hostile user drives it, and the promises its README and help make.

Untrusted English printed as text in every format; -o and closed stdin; blank lines in --aligned; one
numbering for people; the support label; --min-support, --max-bytes, --bidi, --encoder; markdown that stays
text; bidi controls escaped everywhere arsum prints user text. Assertions are on structure, not wording.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO_ROOT
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from arsum.cli.app import app
from arsum.cli.render import md_code, md_text, render_check
from arsum.errors import EXIT_FLAGGED, EXIT_INPUT, EXIT_OK, EXIT_USAGE, escape_controls
from arsum.tasks.check import (
    MISSING_TRANSLATION,
    NO_SOURCE,
    check_aligned,
    check_document,
)
from arsum.text.release import SUBTITLE_INDEX, TITLE_INDEX

runner = CliRunner()

ARABIC = ["وصل 25 زائرا إلى المدينة يوم الاثنين.", "افتتح الوزير المعرض الجديد في العاصمة."]
ENGLISH = ["25 visitors arrived in the city on Monday.", "The minister opened the new exhibition in the capital."]
RELEASE = (
    "وزير الخارجية يلتقي نظيره الروسي في الرياض\n"
    "مباحثات حول التعاون الاقتصادي بين البلدين\n\n"
    "التقى وزير الخارجية اليوم نظيره الروسي في الرياض. وبحث الجانبان سبل تعزيز التعاون الاقتصادي.\n"
)
HOSTILE = [  # what an English file under check may hold: Rich markup, escape sequences, HTML, bidi overrides
    "[link=http://evil.example]25 visitors[/link] arrived [/b] in the city [/] on Monday.",
    (
        "The minister \x1b]8;;http://evil.example\x07opened\x1b]8;;\x07 the \x1b[2J new <script>alert(1)</script> "
        "exhibition \u202eevil\u202c in the \u2066capital\u2069 <a href=\"javascript:alert(1)\">x</a>."
    ),
]
HUMAN = ["rich", "text", "markdown"]


def write(folder: Path, name: str, lines: list[str]) -> str:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def invoke(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


class FixedEncoder:
    """Unit vectors chosen by text: every pair scores exactly `cosine` (for -0.00 and threshold tests)."""

    name = "fixed"

    def __init__(self, cosine: float) -> None:
        self.cosine = cosine

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 2), dtype=np.float32)
        other = np.array([self.cosine, np.sqrt(1 - self.cosine**2)], dtype=np.float32)
        return np.stack([other if any("a" <= c <= "z" for c in t.lower()) else np.array([1.0, 0.0]) for t in texts])


# --------------------------------------------------------------------------- untrusted text is printed as text


@pytest.mark.parametrize("fmt", HUMAN)
@pytest.mark.parametrize("aligned", [True, False], ids=["aligned", "document"])
def test_hostile_english_is_printed_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, aligned: bool
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # rich: no wrapping inside the strings looked for
    source = write(tmp_path, "source.ar", ARABIC)
    english = write(tmp_path, "english.en", HOSTILE)
    result = invoke("check", source, english, "-f", fmt, *(["--aligned"] if aligned else []))
    assert result.exit_code in (EXIT_OK, EXIT_FLAGGED), result.stderr
    assert "internal error" not in result.stderr
    out = result.stdout
    for raw in ("\x1b", "\x07", "\u202e", "\u202c", "\u2066", "\u2069"):
        assert raw not in out, repr(raw)
    plain = out.replace("\\", "")  # markdown escapes the brackets; the words stay
    for literal in ("[link=http://evil.example]", "[/link]", "[/b]", "[/]"):  # Rich markup would consume them
        assert literal in plain, literal
    if fmt == "markdown":
        html = MarkdownIt("commonmark").render(out)
        assert "<script" not in html and "<a " not in html


def test_rich_check_never_reads_markup_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # a terminal: markup would become an OSC 8 hyperlink and colours
    monkeypatch.setenv("COLUMNS", "250")
    for result in (check_aligned(ARABIC, HOSTILE, encoder=FixedEncoder(0.8)),
                   check_document("\n".join(ARABIC), " ".join(HOSTILE), encoder=FixedEncoder(0.8))):
        stream = io.StringIO()
        render_check(result, "rich", stream)
        out = stream.getvalue()
        assert "\x1b[" in out  # really rendered for a terminal
        assert "\x1b]8;" not in out and "[link=http://evil.example]" in out and "[/b]" in out


# --------------------------------------------------------------------------- markdown stays text, every command


def _summary_and_translation():
    from dataclasses import replace

    from test_terminal import english_item

    from arsum.tasks.results import ReleaseTranslation, TranslationPair

    summary = english_item(0.7)
    release = replace(summary.release, id="r`1``x", title="<script>alert(1)</script> *title*",
                      subtitle="<a href=\"javascript:alert(1)\">click</a>")
    summary = replace(summary, release=release)
    pairs = (
        TranslationPair(TITLE_INDEX, -1, "عنوان", "<img src=x onerror=alert(1)> [x](javascript:alert(1))"),
        TranslationPair(0, 0, "جملة", "- not a list\n# not a heading\n2024. not a list either `code`"),
    )
    translation = ReleaseTranslation(release=release, pairs=pairs, model="m<b>", revision=None, source_lang="ar",
                                     target_lang="en", warnings=("<i>warned</i>",))
    return summary, translation


def test_markdown_of_every_command_escapes_html_and_code_span_breakers(tmp_path: Path) -> None:
    from arsum.cli.render import make_renderer
    from arsum.tasks.results import ReleaseTranslation

    md = MarkdownIt("commonmark")
    for item in _summary_and_translation():
        stream = io.StringIO()
        make_renderer("markdown", stream).write(item)
        html = md.render(stream.getvalue())
        assert "<script" not in html and "<a " not in html and "<img" not in html and "<b>" not in html
        assert "<h1" not in html and "<ol" not in html and "<i>" not in html
        assert html.count("<code>") == 1 or isinstance(item, ReleaseTranslation)  # the id, in one code span
    html = md.render(md_code("r`1``x"))
    assert html.count("<code>") == 1 and "r`1``x" in html
    # check's own markdown, from a file holding the same hostile text
    source = write(tmp_path, "source.ar", ARABIC)
    english = write(tmp_path, "english.en", HOSTILE)
    result = invoke("check", source, english, "-f", "markdown", "--aligned")
    html = md.render(result.stdout)
    assert "<script" not in html and "<a " not in html


@pytest.mark.parametrize(
    "text",
    ["<script>alert(1)</script>", "[x](javascript:alert(1))", "**bold** _it_ `code` ~~s~~", "# heading",
     "- item", "+ item", "1. item", "3) item", "> quote", "a | b", "&lt;script&gt;", "back\\slash", "=== ",
     "line one\nline two\r\n# three"],
)
def test_md_text_renders_as_the_same_text(text: str) -> None:
    html = MarkdownIt("commonmark").render(md_text(text))
    assert html.startswith("<p>") and html.count("<p>") == 1  # one paragraph: no heading, list, quote or code block
    for tag in ("<script", "<a ", "<strong", "<em", "<code", "<s>", "<h", "<ul", "<ol", "<blockquote"):
        assert tag not in html, (text, html)


@pytest.mark.parametrize("text", ["plain", "a`b", "``x`", "`", "x```y", "id with spaces "])
def test_md_code_holds_any_id_in_one_code_span(text: str) -> None:
    import html as html_lib

    rendered = MarkdownIt("commonmark").render(md_code(text))
    assert rendered.count("<code>") == 1
    inner = rendered.split("<code>", 1)[1].split("</code>", 1)[0]
    assert html_lib.unescape(inner).strip() == text.strip()


# --------------------------------------------------------------------------- bidi controls, everywhere


@pytest.mark.parametrize("control", [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))])
def test_bidi_embedding_override_and_isolate_controls_are_escaped(control: str) -> None:
    shown = escape_controls(f"nope{control}txt.exe")
    assert control not in shown and f"\\u{ord(control):04x}" in shown


@pytest.mark.parametrize("mark", ["\u200f", "\u200e", "\u061c"])
def test_arabic_direction_marks_are_kept(mark: str) -> None:
    assert escape_controls(f"نص{mark}123") == f"نص{mark}123"


def test_error_lines_escape_bidi_controls(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope\u202etxt.exe")
    result = subprocess.run(
        [sys.executable, "-m", "arsum", "check", missing, missing], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, check=False,
    )
    assert result.returncode == EXIT_INPUT
    assert "\u202e" not in result.stderr and "\\u202e" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("fmt", HUMAN)
def test_bidi_controls_in_a_release_never_reach_summarize_output(fmt: str) -> None:
    text = "وزير \u202eالخارجية يلتقي نظيره\n\nالتقى الوزير \u2067نظيره\u2069 اليوم في الرياض.\n"
    result = invoke("summarize", "--no-english", "-f", fmt, "-", input=text)
    assert result.exit_code == EXIT_OK, result.stderr
    assert not set(result.stdout) & {"\u202e", "\u2067", "\u2069"}


# --------------------------------------------------------------------------- -o, closed stdin, --max-bytes


def test_output_file_is_written(tmp_path: Path) -> None:
    source, english = write(tmp_path, "source.ar", ARABIC), write(tmp_path, "english.en", ENGLISH)
    out = tmp_path / "report.json"
    result = invoke("check", source, english, "--aligned", "-o", str(out))
    assert result.exit_code == EXIT_OK, result.stderr
    assert result.stdout == ""
    assert [p["index"] for p in json.loads(out.read_text(encoding="utf-8"))] == [0, 1]  # -o x.json: JSON


@pytest.mark.parametrize("which", ["source", "translation", "hard link to translation"])
def test_output_never_replaces_an_input(tmp_path: Path, which: str) -> None:
    source, english = write(tmp_path, "source.ar", ARABIC), write(tmp_path, "english.en", ENGLISH)
    target = {"source": source, "translation": english}.get(which)
    if target is None:
        target = str(tmp_path / "link.txt")
        os.link(english, target)
    before = {p: Path(p).read_bytes() for p in (source, english)}
    result = invoke("check", source, english, "--aligned", "-o", target, "--force")
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.count("\n") == 1 and "refusing" in result.stderr
    assert {p: Path(p).read_bytes() for p in (source, english)} == before


def test_output_refuses_the_file_read_from_stdin(tmp_path: Path) -> None:
    source, english = write(tmp_path, "source.ar", ARABIC), write(tmp_path, "english.en", ENGLISH)
    with open(english, "rb") as stdin:
        result = subprocess.run(
            [sys.executable, "-m", "arsum", "check", "--aligned", source, "-", "-o", english, "--force"],
            stdin=stdin, capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, check=False,
        )
    assert result.returncode == EXIT_USAGE
    assert Path(english).read_text(encoding="utf-8") == "\n".join(ENGLISH) + "\n"


def test_closed_stdin_is_fine_when_both_files_are_given(tmp_path: Path) -> None:
    source, english = write(tmp_path, "source.ar", ARABIC), write(tmp_path, "english.en", ENGLISH)
    result = subprocess.run(
        ["sh", "-c", f'exec "{sys.executable}" -m arsum check --aligned "{source}" "{english}" -f jsonl <&-'],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, check=False,
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert len(result.stdout.splitlines()) == 2
    closed = subprocess.run(
        ["sh", "-c", f'exec "{sys.executable}" -m arsum check --aligned "{source}" - <&-'],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, check=False,
    )
    assert closed.returncode == EXIT_INPUT and closed.stderr.count("\n") == 1 and "internal" not in closed.stderr


@pytest.mark.parametrize("via_stdin", [False, True], ids=["file", "stdin"])
def test_max_bytes_is_honoured(tmp_path: Path, via_stdin: bool) -> None:
    source, english = write(tmp_path, "source.ar", ARABIC), write(tmp_path, "english.en", ENGLISH)
    size = Path(english).stat().st_size
    args = ["check", "--aligned", source, "-" if via_stdin else english, "-f", "jsonl"]
    stdin = Path(english).read_text(encoding="utf-8") if via_stdin else None
    refused = invoke(*args, "--max-bytes", str(size - 1), input=stdin)
    assert refused.exit_code == EXIT_INPUT and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and str(size - 1) in refused.stderr
    taken = invoke(*args, "--max-bytes", str(max(size, Path(source).stat().st_size)), input=stdin)
    assert taken.exit_code == EXIT_OK, taken.stderr


# --------------------------------------------------------------------------- --aligned: blank and missing lines


@pytest.mark.parametrize(
    ("english", "flags"),
    [
        (["", ""], [(MISSING_TRANSLATION,), (MISSING_TRANSLATION,)]),
        (["   ", "\t"], [(MISSING_TRANSLATION,), (MISSING_TRANSLATION,)]),
        ([ENGLISH[0], "\u200f —"], [(), (MISSING_TRANSLATION,)]),
    ],
    ids=["empty", "blank", "no-letters"],
)
def test_blank_english_lines_are_flagged(english: list[str], flags: list[tuple[str, ...]]) -> None:
    result = check_aligned(ARABIC, english, encoder=FixedEncoder(0.9))
    assert [p.flags for p in result.pairs] == flags and result.flagged
    assert all(p.support is None for p, f in zip(result.pairs, flags, strict=True) if f)


def test_english_with_no_arabic_behind_it_is_flagged_and_two_blanks_are_not() -> None:
    result = check_aligned(["", ARABIC[0], ""], ["An extra sentence.", ENGLISH[0], ""], encoder=FixedEncoder(0.9))
    assert [p.flags for p in result.pairs] == [(NO_SOURCE,), (), ()]
    assert result.flagged


def test_all_blank_english_file_exits_3(tmp_path: Path) -> None:
    source = write(tmp_path, "source.ar", ARABIC + ARABIC)
    english = write(tmp_path, "english.en", ["", "", "", ""])
    for fmt in ("jsonl", "text"):
        result = invoke("check", "--aligned", source, english, "-f", fmt)
        assert result.exit_code == EXIT_FLAGGED, result.stderr
    records = [json.loads(line) for line in invoke("check", "--aligned", source, english, "-f", "jsonl").stdout.splitlines()]
    assert [r["flags"] for r in records] == [[MISSING_TRANSLATION]] * 4


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x1c", "\x1d", "\x1e", "\x85", "\x0b", "\x0c"])
def test_aligned_lines_split_on_newlines_only(tmp_path: Path, separator: str) -> None:
    source = write(tmp_path, "source.ar", ARABIC)
    english = write(tmp_path, "english.en", [f"25 visitors{separator} arrived in the city on Monday.", ENGLISH[1]])
    result = invoke("check", "--aligned", source, english, "-f", "jsonl")
    assert result.exit_code in (EXIT_OK, EXIT_FLAGGED), result.stderr
    records = [json.loads(line) for line in result.stdout.split("\n") if line]  # not splitlines: U+2028 …
    assert [r["translation"] for r in records] == [f"25 visitors{separator} arrived in the city on Monday.", ENGLISH[1]]


def test_crlf_and_trailing_blank_lines_do_not_shift_or_break_pairs(tmp_path: Path) -> None:
    source = write(tmp_path, "source.ar", ARABIC)
    english = tmp_path / "english.en"
    english.write_bytes(("\r\n".join(ENGLISH) + "\r\n\r\n\r\n").encode())
    result = invoke("check", "--aligned", source, str(english), "-f", "jsonl")
    assert result.exit_code == EXIT_OK, result.stderr
    assert [json.loads(line)["translation"] for line in result.stdout.splitlines()] == ENGLISH


def test_a_missing_last_line_is_flagged_not_hidden(tmp_path: Path) -> None:
    source = write(tmp_path, "source.ar", ARABIC)
    english = write(tmp_path, "english.en", [ENGLISH[0], ""])  # the last translation left out, its line kept
    result = invoke("check", "--aligned", source, english, "-f", "jsonl")
    assert result.exit_code == EXIT_FLAGGED
    assert json.loads(result.stdout.splitlines()[1])["flags"] == [MISSING_TRANSLATION]


def test_empty_english_document_is_flagged(tmp_path: Path) -> None:
    source = write(tmp_path, "source.ar", ARABIC)
    english = tmp_path / "english.en"
    english.write_text("\n \n", encoding="utf-8")
    result = invoke("check", source, str(english), "-f", "json")
    assert result.exit_code == EXIT_FLAGGED
    [record] = json.loads(result.stdout)
    assert record["flagged"] and record["sentences"] == []


@pytest.mark.parametrize("fmt", HUMAN)
def test_minus_zero_is_never_printed(fmt: str) -> None:
    for result in (check_aligned(ARABIC, ENGLISH, encoder=FixedEncoder(-0.0001)),
                   check_document("\n".join(ARABIC), " ".join(ENGLISH), encoder=FixedEncoder(-0.0001))):
        stream = io.StringIO()
        render_check(result, fmt, stream)
        assert "-0.00" not in stream.getvalue() and "0.00" in stream.getvalue()


# --------------------------------------------------------------------------- one numbering; the label


def test_human_formats_number_from_one_and_json_from_zero(tmp_path: Path) -> None:
    source = tmp_path / "source.ar"
    source.write_text(RELEASE, encoding="utf-8")
    english = write(tmp_path, "english.en", ["The foreign minister met his Russian counterpart in Riyadh today."])
    [record] = json.loads(invoke("check", str(source), english, "-f", "json").stdout)
    assert record["sentences"][0]["index"] == 0
    omitted = {o["index"] for o in record["omissions"]}
    assert 1 in omitted  # the second body sentence (economic cooperation) is not in the English
    text = invoke("check", str(source), english, "-f", "text").stdout
    rows = [line.split("\t") for line in text.splitlines() if "\t" in line]
    assert rows[0][0] == "1"  # the first English sentence
    assert "2" in {row[0] for row in rows[1:]}  # body sentence index 1 is sentence 2 for people
    assert "0" not in {row[0] for row in rows}
    rich = invoke("check", str(source), english, "-f", "rich").stdout
    assert "│ 0 " not in rich and "│ 1 " in rich


def test_aligned_lines_are_numbered_from_one_for_people(tmp_path: Path) -> None:
    source, english = write(tmp_path, "source.ar", ARABIC), write(tmp_path, "english.en", ENGLISH)
    text = invoke("check", "--aligned", source, english, "-f", "text").stdout
    assert [line.split("\t")[0] for line in text.splitlines() if not line.startswith("#")] == ["1", "2"]
    markdown = invoke("check", "--aligned", source, english, "-f", "markdown").stdout
    assert [row.split("|")[1].strip() for row in markdown.splitlines() if row.startswith("| ")][1:] == ["1", "2"]


def test_messages_number_sentences_from_one() -> None:
    result = check_document("\n".join(ARABIC), "35 visitors arrived in the city on Monday.", encoder=FixedEncoder(0.1))
    assert any(w.startswith("english sentence 1:") for w in result.warnings)
    assert not any("sentence 0" in w for w in result.warnings)


@pytest.mark.parametrize("fmt", HUMAN)
def test_the_support_label_says_closeness_of_meaning_not_a_verdict(tmp_path: Path, fmt: str) -> None:
    source, english = write(tmp_path, "source.ar", ARABIC), write(tmp_path, "english.en", ENGLISH)
    for mode in ([], ["--aligned"]):
        out = " ".join(invoke("check", source, english, "-f", fmt, *mode).stdout.split())
        assert "meaning" in out and "fact check" in out
        assert "supported" not in out


def test_schema_says_what_support_measures() -> None:
    from arsum.schemas import load_schema

    text = json.dumps(load_schema("check"))
    assert "meaning" in text and "fact check" in text


# --------------------------------------------------------------------------- the promises of the options


def test_min_support_is_honoured(tmp_path: Path) -> None:
    source, english = write(tmp_path, "source.ar", ARABIC), write(tmp_path, "english.en", ENGLISH)
    strict = json.loads(invoke("check", "--aligned", source, english, "-f", "json", "--min-support", "0.99").stdout)
    loose = json.loads(invoke("check", "--aligned", source, english, "-f", "json", "--min-support", "-1").stdout)
    assert all("low-support" in p["flags"] for p in strict)
    assert not any("low-support" in p["flags"] for p in loose)
    assert invoke("check", "--aligned", source, english, "--min-support", "0.99").exit_code == EXIT_FLAGGED
    document = json.loads(invoke("check", source, english, "-f", "json", "--min-support", "0.99").stdout)[0]
    assert document["support"]["min_support"] == 0.99
    assert all("low-support" in s["flags"] for s in document["sentences"])


def test_the_subtitle_is_listed_as_an_omission(tmp_path: Path) -> None:
    source = tmp_path / "source.ar"
    source.write_text(RELEASE, encoding="utf-8")
    english = write(tmp_path, "english.en", ["The foreign minister met his Russian counterpart in Riyadh today."])
    [record] = json.loads(invoke("check", str(source), english, "-f", "json", "--translation").stdout)
    assert SUBTITLE_INDEX in {o["index"] for o in record["omissions"]}
    text = invoke("check", str(source), english, "-f", "text", "--translation").stdout
    assert any(line.startswith("subtitle\t") for line in text.splitlines())


@pytest.mark.parametrize("fmt", ["text", "rich"])
def test_bidi_is_honoured_by_check(tmp_path: Path, fmt: str) -> None:
    source = tmp_path / "source.ar"
    source.write_text(RELEASE, encoding="utf-8")
    english = write(tmp_path, "english.en", ["The foreign minister met his Russian counterpart in Riyadh today."])
    plain = invoke("check", str(source), english, "-f", fmt, "--no-bidi").stdout
    visual = invoke("check", str(source), english, "-f", fmt, "--bidi").stdout

    def forms(out: str) -> int:  # Arabic presentation forms: letters shaped for a terminal without bidi
        return sum(1 for c in out if "\ufb50" <= c <= "\ufeff")

    assert forms(plain) == 0 and forms(visual) > 0


def test_a_seq2seq_folder_as_encoder_is_one_line(tmp_path: Path, tiny_marian: Path) -> None:
    source, english = write(tmp_path, "source.ar", ARABIC), write(tmp_path, "english.en", ENGLISH)
    result = invoke("check", "--aligned", source, english, "--encoder", str(tiny_marian))
    assert result.exit_code == EXIT_INPUT
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "internal error" not in result.stderr
    assert str(tiny_marian) in result.stderr


# --------------------------------------------------------------------------- stdout carries the format only


def test_text_format_warnings_go_to_stderr_and_quiet_silences_them() -> None:
    text = "عنوان الخبر وحده\n"  # a release with no body: it earns a warning
    loud = invoke("summarize", "--no-english", "-f", "text", "-", input=text)
    quiet = invoke("summarize", "--no-english", "-f", "text", "-q", "-", input=text)
    assert loud.exit_code == quiet.exit_code == EXIT_OK
    assert "warning" in loud.stderr and "stdin#1" in loud.stderr  # said, on stderr, naming the release
    assert "warning" not in loud.stdout and loud.stdout == quiet.stdout
    assert "warning" not in quiet.stderr
    as_json = json.loads(invoke("summarize", "--no-english", "-f", "json", "-q", "-", input=text).stdout)
    assert as_json[0]["warnings"]  # JSON keeps them in the record, -q or not


@pytest.mark.parametrize("argv", [["-V"], ["-h"], ["check", "-h"], ["models", "-h"], ["schema", "check"]])
def test_sigpipe_exits_141(argv: list[str]) -> None:
    """Writing into a pipe nobody reads (`arsum -V | head -0`), made deterministic: the read end is closed first."""
    closed = subprocess.run(
        [sys.executable, "-c", (
            "import os, subprocess, sys; r, w = os.pipe(); os.close(r); "
            f"sys.exit(subprocess.run([sys.executable, '-m', 'arsum', *{argv!r}], stdout=w).returncode)"
        )],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, check=False,
    )
    assert closed.returncode == 141, closed.stderr
    assert closed.stderr == ""


@pytest.mark.parametrize(
    "argv",
    [["check", "a", "b", "--x\u202ey\x1b[2J"], ["x\u202ey\x1b]0;t\x07"], ["summarize", "-n", "\u2066x\u2069"]],
    ids=["option", "command", "value"],
)
def test_usage_errors_escape_what_the_user_typed(argv: list[str]) -> None:
    """click's own messages quote the command line; an override there would reverse the rest of the line."""
    result = subprocess.run([sys.executable, "-m", "arsum", *argv], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, check=False)
    assert result.returncode == EXIT_USAGE and result.stdout == ""
    assert "Error" in result.stderr
    assert not set(result.stderr) & {"\u202e", "\u2066", "\u2069", "\x1b", "\x07"}


# --------------------------------------------------------------------------- schemas: no field too many or too few


def _nodes(record: object, path: tuple = ()) -> list[tuple]:
    """The path of every object in a record (the record itself, nested objects, objects inside arrays)."""
    found = []
    if isinstance(record, dict):
        found.append(path)
        for key, value in record.items():
            found += _nodes(value, (*path, key))
    elif isinstance(record, list):
        for i, value in enumerate(record[:2]):
            found += _nodes(value, (*path, i))
    return found


def _at(record: object, path: tuple) -> dict:
    for step in path:
        record = record[step]  # type: ignore[index]
    return record  # type: ignore[return-value]


def _records(tiny_marian: Path, tmp_path: Path) -> dict[str, list[dict]]:
    from arsum.tasks.results import ErrorRecord, to_dict

    seed = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
    source = tmp_path / "source.ar"
    source.write_text(RELEASE, encoding="utf-8")
    english = write(tmp_path, "english.en", ["The foreign minister met his Russian counterpart.", "Talks went on."])
    source_lines = write(tmp_path, "lines.ar", ARABIC)
    english_lines = write(tmp_path, "lines.en", [ENGLISH[0], ""])
    summarize = json.loads(invoke("summarize", str(seed), "--no-english", "-f", "json").stdout)
    translate = json.loads(invoke("translate", str(seed), "--model", str(tiny_marian), "-f", "json").stdout)
    document = json.loads(invoke("check", str(source), english, "-f", "json").stdout)
    aligned = json.loads(invoke("check", "--aligned", source_lines, english_lines, "-f", "json").stdout)
    error = to_dict(ErrorRecord(id="x.txt", source="x.txt", message="cannot read"))
    digest = json.loads(invoke("digest", str(seed), "--no-follow-ups", "-f", "json").stdout)
    return {"summarize": summarize, "translate": translate, "check": document + aligned, "error": [error],
            "digest": digest}


def test_every_schema_rejects_a_field_too_many_or_too_few(tiny_marian: Path, tmp_path: Path) -> None:
    """Every record type, every object in it: one extra field, or any field removed, makes it invalid."""
    import copy

    import jsonschema

    from arsum.schemas import NAMES, load_schema

    records = _records(tiny_marian, tmp_path)
    assert set(records) == set(NAMES)
    for name, items in records.items():
        validator = jsonschema.Draft202012Validator(load_schema(name))
        assert items
        for item in items:
            assert validator.is_valid(item), (name, [e.message for e in validator.iter_errors(item)])
            for path in _nodes(item):
                extra = copy.deepcopy(item)
                _at(extra, path)["unexpected_field"] = 1
                assert not validator.is_valid(extra), (name, path, "accepts an extra field")
                for key in list(_at(item, path)):
                    fewer = copy.deepcopy(item)
                    del _at(fewer, path)[key]
                    assert not validator.is_valid(fewer), (name, path, key, "accepts the field missing")


def test_check_quiet_silences_the_warnings_about_the_arabic(tmp_path: Path) -> None:
    source = tmp_path / "source.ar"
    source.write_text("عنوان الخبر وحده\n", encoding="utf-8")  # a release with no body: a warning about the input
    english = write(tmp_path, "english.en", ENGLISH)
    loud = invoke("check", str(source), english, "-f", "jsonl")
    quiet = invoke("check", str(source), english, "-f", "jsonl", "-q")
    assert "warning" in loud.stderr and quiet.stderr == ""
    assert loud.stdout == quiet.stdout and json.loads(quiet.stdout)["warnings"]  # the record keeps them


def test_the_html_check_page_numbers_from_one_and_labels_the_score(tmp_path: Path) -> None:
    source = tmp_path / "source.ar"
    source.write_text(RELEASE, encoding="utf-8")
    english = write(tmp_path, "english.en", ["The foreign minister met his Russian counterpart in Riyadh today."])
    page = invoke("check", str(source), english, "-f", "html", "--translation").stdout
    assert "<td>1</td>" in page and "<td>0</td>" not in page
    assert "close in meaning" in page and "supported" not in page and "fact check" in page
    assert "(subtitle)" in page and "(2)" in page  # omissions named as people count them
    lines = invoke("check", "--aligned", write(tmp_path, "a.ar", ARABIC), write(tmp_path, "e.en", [ENGLISH[0], ""]),
                   "-f", "html").stdout
    assert "<td>1</td>" in lines and "<td>2</td>" in lines and "no English for this Arabic line" in lines


@pytest.mark.parametrize("aligned", [False, True], ids=["document", "aligned"])
def test_swapped_or_wrong_files_are_refused_not_passed(tmp_path: Path, aligned: bool) -> None:
    """English as SOURCE (or Arabic as TRANSLATION) would be scored against itself and pass with exit 0."""
    arabic, english = write(tmp_path, "source.ar", ARABIC), write(tmp_path, "english.en", ENGLISH)
    mode = ["--aligned"] if aligned else []
    for source, translation, named in ((english, arabic, english), (arabic, arabic, arabic)):
        result = invoke("check", *mode, source, translation, "-f", "jsonl")
        assert result.exit_code == EXIT_INPUT and result.stdout == ""
        assert result.stderr.count("\n") == 1 and named in result.stderr
    assert invoke("check", *mode, arabic, english, "-f", "jsonl").exit_code == EXIT_OK


@pytest.mark.parametrize("fmt", ["text", "rich", "markdown"])
def test_an_id_from_a_feed_stays_on_its_line(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A JSON-lines id is untrusted: a line break in it must not start a line of its own (a fake `arsum:` line)."""
    monkeypatch.setenv("COLUMNS", "300")
    line = json.dumps({"id": "a\narsum: all good\x1b[2J", "title": "عنوان الخبر", "text": RELEASE})
    result = invoke("summarize", "--input-format", "jsonl", "--no-english", "-f", fmt, "-", input=line + "\n")
    assert result.exit_code == EXIT_OK, result.stderr
    assert not any(row.lstrip("│ ").startswith("arsum:") for row in result.stdout.splitlines())
    assert "\x1b" not in result.stdout
