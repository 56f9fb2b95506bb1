"""The conventions of the tools people already use: shell completion, examples in -h, text as an argument,
`--ratio 20%`, language names, the bidi hint. CliRunner and real subprocesses; no shell beyond bash is needed:
what zsh and fish would eval is asserted on bytes."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from rich.cells import cell_len
from typer.testing import CliRunner

from arsum.cli import completion
from arsum.cli.app import app

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
runner = CliRunner()
# `arsum` as the installed console script runs it: click names the program (and its completion variable) after
# argv[0], which `python -m arsum` would make `python -m arsum`.
AS_ARSUM = "import sys; sys.argv[0] = 'arsum'; from arsum.cli import main; main()"


def arsum_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT), **extra}


# --- completion -------------------------------------------------------------------------------------------------

SCRIPT_MARKS = {
    "bash": "complete -o default -F _arsum_completion arsum",
    "zsh": "compdef _arsum_completion arsum",
    "fish": "complete --command arsum",
    "powershell": "Register-ArgumentCompleter -Native -CommandName arsum",
}


@pytest.mark.parametrize("shell", sorted(SCRIPT_MARKS))
def test_the_named_shell_wins_over_the_one_arsum_runs_under(shell: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(completion, "_detect_shell", lambda: "bash")  # as from a bash prompt
    result = runner.invoke(app, ["--show-completion", shell])
    assert result.exit_code == 0, result.output
    assert SCRIPT_MARKS[shell] in result.stdout
    others = [mark for name, mark in SCRIPT_MARKS.items() if name != shell]
    assert not any(mark in result.stdout for mark in others)


def test_a_zsh_script_starts_with_compdef_so_fpath_can_autoload_it() -> None:
    assert runner.invoke(app, ["--show-completion", "zsh"]).stdout.startswith("#compdef arsum\n")


@pytest.mark.parametrize(("detected", "login", "expected"), [("fish", "", "fish"), (None, "/usr/bin/zsh", "zsh")])
def test_without_a_shell_named_the_current_one_is_used(
    detected: str | None, login: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shellingham

    def detect() -> tuple[str, str]:
        if detected is None:
            raise shellingham.ShellDetectionFailure()
        return detected, f"/bin/{detected}"

    monkeypatch.setattr(shellingham, "detect_shell", detect)
    monkeypatch.setenv("SHELL", login)
    result = runner.invoke(app, ["--show-completion"])
    assert result.exit_code == 0 and SCRIPT_MARKS[expected] in result.stdout


@pytest.mark.parametrize("args", [["--show-completion"], ["--show-completion", "tcsh"], ["--install-completion"]])
def test_a_shell_that_cannot_be_told_or_served_is_a_usage_error_naming_the_option(
    args: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(completion, "_detect_shell", lambda: None)  # pytest under cron, an IDE, a container
    monkeypatch.setenv("HOME", str(tmp_path))
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and args[0] in result.stderr
    assert not result.stdout and not list(tmp_path.iterdir())  # nothing written, no rc file touched


def test_show_completion_with_no_parent_shell_in_a_subprocess(tmp_path: Path) -> None:
    """The README's `arsum --show-completion bash`, from a process tree without any shell (setsid, no $SHELL)."""
    env = {k: v for k, v in arsum_env().items() if k != "SHELL"}
    done = subprocess.run(
        [sys.executable, "-c", AS_ARSUM, "--show-completion", "bash"], capture_output=True, env=env, timeout=60,
        start_new_session=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert SCRIPT_MARKS["bash"].encode() in done.stdout


def _complete(shell: str, words: str, tmp_path: Path) -> str:
    """What arsum answers the shell's completion request (the protocol the printed scripts speak)."""
    config = tmp_path / "models.toml"
    config.write_text('[models.desk-model]\nsource = "/nowhere/desk"\nfamily = "marian"\ndescription = "our own"\n',
                      encoding="utf-8")
    env = arsum_env(_ARSUM_COMPLETE=f"complete_{shell}", _TYPER_COMPLETE_ARGS=words, ARSUM_CONFIG=str(config),
                    _TYPER_COMPLETE_FISH_ACTION="get-args", COMP_WORDS=words, COMP_CWORD=str(len(words.split()) - 1))
    done = subprocess.run([sys.executable, "-c", AS_ARSUM], capture_output=True, text=True, env=env, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("shell", ["zsh", "fish", "bash"])
def test_model_names_complete_from_the_config(shell: str, tmp_path: Path) -> None:
    out = _complete(shell, "arsum summarize -m desk", tmp_path)
    assert "desk-model" in out
    out = _complete(shell, "arsum translate --model opus", tmp_path)
    assert "opus-mt-tc-big-ar-en" in out and "crosssum-m2m" not in out
    for words in ("arsum models pull cross", "arsum models info cross", "arsum models export cross"):
        assert "crosssum-m2m" in _complete(shell, words, tmp_path)


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_language_codes_complete_with_their_names(shell: str, tmp_path: Path) -> None:
    out = _complete(shell, "arsum translate --to fr", tmp_path)
    assert "fr" in out and "French" in out and "de" not in out.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
def test_bash_completes_language_codes_through_the_printed_script(tmp_path: Path) -> None:
    """The script bash would source, with `arsum` on PATH, asked as bash asks on Tab."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "arsum").write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "{AS_ARSUM}" "$@"\n', encoding="utf-8")
    (bin_dir / "arsum").chmod(0o755)
    script = runner.invoke(app, ["--show-completion", "bash"]).stdout
    probe = script + '\nCOMP_WORDS=(arsum translate --to zh); COMP_CWORD=3; _arsum_completion arsum\nprintf "%s\\n" "${COMPREPLY[@]}"\n'
    env = arsum_env(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", probe], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    assert sorted(done.stdout.split()) == ["zh", "zh-Hant"], done.stderr


@pytest.mark.parametrize("shell", ["zsh", "fish", "powershell"])
def test_completion_answers_in_plain_text_without_typer_rich_rendering(shell: str) -> None:
    """Each Tab is a new process: typer's Rich rendering of every help (typer.rich_utils) doubled its cost; the
    help comes back on one line, whole."""
    probe = ("import atexit, sys; atexit.register(lambda: print('RICH' if 'typer.rich_utils' in sys.modules "
             "else 'PLAIN', file=sys.stderr)); " + AS_ARSUM)
    env = arsum_env(_ARSUM_COMPLETE=f"complete_{shell}", _TYPER_COMPLETE_ARGS="arsum summarize --backe",
                    _TYPER_COMPLETE_FISH_ACTION="get-args", _TYPER_COMPLETE_WORD_TO_COMPLETE="--backe")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60,
                          check=False)
    assert done.stderr.strip() == "PLAIN"
    [line] = [ln for ln in done.stdout.splitlines() if "--backend" in ln]
    assert "models pull" in line  # the end of the help, on the same line


def test_a_bad_config_completes_nothing_rather_than_printing_an_error(tmp_path: Path) -> None:
    config = tmp_path / "models.toml"
    config.write_text("[models\n", encoding="utf-8")
    env = arsum_env(_ARSUM_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS="arsum summarize -m ", ARSUM_CONFIG=str(config))
    done = subprocess.run([sys.executable, "-c", AS_ARSUM], capture_output=True, text=True, env=env, timeout=60,
                          check=False)
    assert done.returncode == 0 and done.stdout.strip() == "_files" and not done.stderr


# --- help ------------------------------------------------------------------------------------------------------


def test_the_command_list_gives_each_description_whole() -> None:
    out = runner.invoke(app, ["-h"], terminal_width=80).stdout
    listed = " ".join(out.split("Commands:", 1)[1].split())
    assert "..." not in listed
    assert "keeping titles, paragraphs and release boundaries." in listed


COMMANDS_WITH_EXAMPLES = [
    [], ["summarize"], ["translate"], ["check"], ["digest"], ["schema"],
    *[["models", name] for name in ("list", "pull", "info", "path", "convert", "export", "import")],
]


@pytest.mark.parametrize("command", COMMANDS_WITH_EXAMPLES, ids=" ".join)
def test_help_shows_examples_whose_options_exist_and_take_their_values(command: list[str]) -> None:
    import shlex

    from typer.main import get_command

    out = runner.invoke(app, [*command, "-h"]).stdout
    examples = [line for line in out.split("Examples:", 1)[1].splitlines() if "arsum" in line]
    assert 2 <= len(examples) <= 4, out
    for line in examples:
        code = line.split(" # ")[0]
        for part in re.findall(r"\$\(([^)]*)\)", code) + re.split(r"[|>]", re.sub(r"\$\([^)]*\)", "X", code)):
            words = shlex.split(part)
            if words[:1] != ["arsum"]:
                continue
            cmd, i = get_command(app), 1
            while hasattr(cmd, "commands") and i < len(words):  # down the command tree by name
                cmd, i = cmd.commands[words[i]], i + 1  # type: ignore[attr-defined]
            cmd.make_context(words[i - 1], words[i:])  # the leaf parses its options and values, or raises
        assert " ".join(["arsum", *command]) in line


# --- --ratio ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "share"), [("20%", 0.2), ("0.2", 0.2), (".2", 0.2), ("٢٠٪", 0.2), (" 50 % ", 0.5), ("100%", 1.0), ("1", 1.0)]
)
def test_ratio_takes_a_share_or_a_percentage(given: str, share: float) -> None:
    result = runner.invoke(app, ["summarize", str(SEED), "--no-english", "-f", "json", "--ratio", given])
    assert result.exit_code == 0, result.stderr
    [record] = json.loads(result.stdout)
    assert len(record["arabic_summary"]) == math.ceil(share * record["sentences"])
    assert record["arabic_method"]["settings"]["ratio"] == share


@pytest.mark.parametrize(
    ("given", "says"),
    [("0", "not above 0"), ("0%", "not above 0"), ("120%", "above 100%"), ("20", "did you mean 20%"),
     ("nan", "not a number"), ("inf%", "not a number"), ("a fifth", "not a share"), ("-5%", "not above 0")],
)
def test_a_bad_ratio_names_the_option(given: str, says: str) -> None:
    result = runner.invoke(app, ["summarize", str(SEED), "--no-english", "--ratio", given])
    assert result.exit_code == 2 and "--ratio" in result.stderr and says in result.stderr


# --- language names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "code"),
    [("en", "en"), ("EN", "EN"), ("zh-Hant", "zh-Hant"), ("fra_Latn", "fra_Latn"), ("english", "en"),
     ("English", "en"), ("ENGLISH", "en"), ("العربية", "ar"), ("عربي", "ar"), ("الإنجليزية", "en"), ("انجليزي", "en"),
     ("Français", "fr"), ("francais", "fr"), ("Deutsch", "de"), ("Traditional Chinese", "zh-Hant"),
     ("Persian", "fa"), ("فارسی", "fa"), ("Ewe", "ee"), ("no such tongue", "no such tongue")],
)
def test_language_names_become_codes(given: str, code: str) -> None:
    from arsum.models.config import NLLB_CODES
    from arsum.text.languages import language_code

    assert language_code(given, known=list(NLLB_CODES)) == code


@pytest.mark.parametrize(("option", "name"), [("--to", "french"), ("--to", "Français"), ("--from", "Arabic")])
def test_translate_takes_language_names(option: str, name: str, tiny_models: dict[str, Path], tmp_path: Path) -> None:
    config = tmp_path / "models.toml"
    config.write_text(f'[models.nllb-200-distilled-600m]\nsource = "{tiny_models["nllb"]}"\n'
                      "[models.nllb-200-distilled-600m.generation]\nnum_beams = 1\nmax_new_tokens = 4\n",
                      encoding="utf-8")
    args = ["translate", str(SEED), "-f", "json", "--no-support", "--config", str(config), "-q"]
    args += [option, name] + (["--to", "fr"] if option == "--from" else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    [record] = json.loads(result.stdout)
    assert record["target_lang"] == "fr" and record["source_lang"] == "ar"


@pytest.mark.parametrize("lang", ["en", "english", "الإنجليزية"])
def test_lang_takes_a_name_too(lang: str) -> None:
    english = "The minister said the talks were useful. He added that they would go on next year."
    result = runner.invoke(app, ["summarize", "--no-english", "--lang", lang, "-t", english, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["arabic_summary"]


def test_completion_reads_the_config_named_on_the_command_line(tmp_path: Path) -> None:
    config = tmp_path / "desk.toml"
    config.write_text('[models.night-desk]\nsource = "/nowhere/night"\nfamily = "marian"\n', encoding="utf-8")
    env = arsum_env(_ARSUM_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS=f"arsum summarize --config {config} -m nig")
    env.pop("ARSUM_CONFIG", None)
    done = subprocess.run([sys.executable, "-c", AS_ARSUM], capture_output=True, text=True, env=env, timeout=60,
                          check=False)
    assert "night-desk" in done.stdout, done.stderr


def test_an_unknown_language_is_refused_naming_the_codes() -> None:
    result = runner.invoke(app, ["translate", str(SEED), "--to", "klingonish"])
    assert result.exit_code == 2 and "--to klingonish" in result.stderr and "fr" in result.stderr


# --- text as an argument ---------------------------------------------------------------------------------------

ARABIC = "قال الوزير إن الحوار مع الحلف مفيد للطرفين. وأضاف أن اللقاءات ستستمر خلال العام المقبل في بروكسل."


def test_text_given_as_an_argument_is_summarised_like_a_file(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text(ARABIC + "\n", encoding="utf-8")
    from_file = json.loads(runner.invoke(app, ["summarize", str(path), "--no-english", "-f", "json"]).stdout)
    result = runner.invoke(app, ["summarize", "--text", ARABIC, "--no-english", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    [record] = json.loads(result.stdout)
    assert (record["id"], record["source"]) == ("text#1", "<text>")
    assert record["arabic_summary"] == from_file[0]["arabic_summary"]


def test_several_texts_and_separators_in_a_subprocess() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "arsum", "summarize", "--no-english", "-f", "jsonl", "-t", ARABIC,
         "-t", f"{ARABIC}\n---\n{ARABIC}"], capture_output=True, env=arsum_env(), timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    ids = [json.loads(line)["id"] for line in done.stdout.decode().splitlines()]
    assert ids == ["text1#1", "text2#1", "text2#2"]


def test_text_in_another_encoding_is_read_as_a_file_would_be(tmp_path: Path) -> None:
    """An argument's bytes as the OS passes them (Windows-1256 here) are decoded like a file's."""
    argument = os.fsdecode(ARABIC.encode("cp1256"))
    done = subprocess.run(
        [sys.executable, "-m", "arsum", "summarize", "--no-english", "-f", "json", "--text", argument],
        capture_output=True, env=arsum_env(), timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    [record] = json.loads(done.stdout)
    assert record["encoding"] == "windows-1256" and record["arabic_summary"][0]["text"] in ARABIC


@pytest.mark.parametrize(
    ("args", "says"),
    [(["--text", ARABIC, str(SEED)], "not both"), (["--text", "hello"], "<text>: no Arabic"),
     (["--text", ARABIC, "--ray", "local", "--output-dir", "out"], "--ray"),
     (["--text", ARABIC * 3, "--max-bytes", "100"], "<text>")],
)
def test_text_that_cannot_be_used_is_said_naming_it(args: list[str], says: str) -> None:
    result = runner.invoke(app, ["summarize", "--no-english", *args])
    assert result.exit_code in (1, 2) and says in result.stderr and not result.stdout


def test_translate_takes_text_too(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    config = tmp_path / "models.toml"
    config.write_text(f'[models.opus-mt-tc-big-ar-en]\nsource = "{tiny_models["marian"]}"\n'
                      "[models.opus-mt-tc-big-ar-en.generation]\nnum_beams = 1\nmax_new_tokens = 4\n", encoding="utf-8")
    result = runner.invoke(app, ["translate", "-t", ARABIC, "--to", "english", "--no-support", "-q", "-f", "json",
                                 "--config", str(config)])
    assert result.exit_code == 0, result.stderr
    [record] = json.loads(result.stdout)
    assert record["id"] == "text#1" and record["target_lang"] == "en"


# --- bidi: the hint, text output, ligatures --------------------------------------------------------------------

# Own sentences (no ../shared needed): harakat, numbers with % and decimals, brackets, quotes, a dash, a comma list.
OWN_SENTENCES = [
    "أعلنت وزارة الصحة اليوم عن افتتاح 12 مستشفى جديدا في المناطق الشمالية بتكلفة تجاوزت 3.5 مليار ريال.",
    "وقال الوزير (في مؤتمر صحفي عقده بالرياض) إن نسبة الإنجاز بلغت 85% حتى نهاية الربع الثالث من العام.",
    "وَأَكَّدَ المُتَحَدِّثُ الرَّسْمِيُّ أَنَّ الخُطَّةَ تَشْمَلُ تَدْرِيبَ الكَوَادِرِ الوَطَنِيَّةِ عَلَى أَحْدَثِ الأَجْهِزَةِ.",
    "وأشار إلى أن «برنامج التحول الصحي» – الذي أطلق عام 2016 – يهدف إلى رفع جودة الخدمات وتقليص فترات الانتظار.",
    "وشملت المرحلة الأولى مدن حائل، وعرعر، وسكاكا، والقريات، وطريف، على أن تتبعها مدن الجنوب لاحقا.",
    "حفظه الله ورعاه، ونقل تحيات خادم الحرمين الشريفين إلى المشاركين في اللقاء الذي استمر يومين.",
]
OWN_RELEASE = "افتتاح مستشفيات جديدة في الشمال\n\n" + "\n".join(OWN_SENTENCES) + "\n"


def _read_back(rows: list[str]) -> list[str]:
    """Words of display-order rows, as a reader's eye takes them back (test_terminal.logical_words), labels dropped."""
    from test_terminal import logical_words

    return [w for row in rows for w in logical_words(row)]


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_bidi_panels_read_back_in_order_on_own_sentences(width: int) -> None:
    """A sibling of test_terminal's held-out check that needs no ../shared: every row of every sentence, at each
    width, reads back to the sentence in order, with its number first and its first words on its first row."""
    from test_terminal import logical_words, nfkc_words, rendered_rows, rows_of

    from arsum.tasks.extractive import ExtractiveSummarizer
    from arsum.tasks.results import ReleaseSummary
    from arsum.text.releases import parse_releases

    [release] = parse_releases(OWN_RELEASE, source="own", name="own", encoding="utf-8")
    item = ReleaseSummary(release, ExtractiveSummarizer().summarize(release, count=len(release.sentences)))
    rows = rendered_rows(item, width, bidi=True)
    labels = [f"{s.index + 1}. " for s in item.arabic_summary.sentences]
    assert len(labels) == len(OWN_SENTENCES)
    for k, sentence in enumerate(item.arabic_summary.sentences):
        own = rows_of(rows, labels[k], labels[k + 1:], bidi=True)
        assert logical_words(own[0])[0] == labels[k].strip()
        assert [w for row in own for w in logical_words(row)][1:] == nfkc_words(sentence.text)


@pytest.mark.parametrize("width", [40, 70, 100])
def test_bidi_applies_to_text_output(width: int) -> None:
    from test_terminal import nfkc_words

    plain = runner.invoke(app, ["summarize", "--no-english", "-f", "text", "-n", "6", "-t", OWN_RELEASE])
    result = runner.invoke(app, ["summarize", "--no-english", "-f", "text", "-n", "6", "--bidi", "-t", OWN_RELEASE],
                           env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.stderr
    rows = result.stdout.splitlines()
    assert all(cell_len(row) <= width for row in rows) and rows != plain.stdout.splitlines()
    assert "Arabic summary:" in rows and rows[0] == "# text#1"  # lines without Arabic are left as they are
    arabic = [row for row in rows[rows.index("Arabic summary:") + 1:] if row.strip()]
    assert all(cell_len(row) == width for row in arabic)  # right-aligned, as an Arabic reader starts at the right
    assert [row.rstrip()[-2:] for row in arabic if row.rstrip()[-2:-1] == "."] == [f".{k}" for k in range(1, 7)]
    assert _read_back(arabic) == [w for k, s in enumerate(OWN_SENTENCES, 1) for w in [f"{k}.", *nfkc_words(s)]]


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_without_bidi_no_output_is_reordered(fmt: str) -> None:
    result = runner.invoke(app, ["summarize", "--no-english", "-f", fmt, "-n", "6", "-t", OWN_RELEASE])
    assert all(sentence in result.stdout for sentence in OWN_SENTENCES[:2])


def test_check_text_output_takes_bidi_too(tmp_path: Path) -> None:
    source = tmp_path / "source.ar"
    source.write_text(OWN_RELEASE, encoding="utf-8")
    english = tmp_path / "summary.en"
    english.write_text("The ministry opened 12 new hospitals in the north.\n", encoding="utf-8")
    plain = runner.invoke(app, ["check", str(source), str(english), "-f", "text"])
    visual = runner.invoke(app, ["check", str(source), str(english), "-f", "text", "--bidi"], env={"COLUMNS": "50"})
    assert visual.exit_code == plain.exit_code and visual.exit_code in (0, 3)
    assert "The ministry opened 12 new hospitals in the north." in visual.stdout  # English untouched
    arabic = [row for row in visual.stdout.splitlines() if _has_arabic(row)]
    assert arabic and all(cell_len(row) <= 50 for row in arabic)
    assert not any(sentence in visual.stdout for sentence in OWN_SENTENCES)  # every Arabic line in display order


def _has_arabic(text: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" or "\ufb50" <= c <= "\ufeff" for c in text)


@pytest.mark.parametrize(
    "phrase",
    ["حفظه الله", "صلى الله عليه وسلم", "بسم الله الرحمن الرحيم", "جل جلاله", "الله أكبر", "محمد رسول الله",
     "مئة ريال", "إلى علي", "لا إله", "الأمير والآخرون"],
)
def test_bidi_uses_no_ligatures_that_fonts_draw_badly(phrase: str) -> None:
    """Only lam-alef, which every Arabic font has; never U+FDF2 (الله) and the other one-cell words."""
    import unicodedata

    from arsum.cli.rtl import layout

    [row] = layout(phrase, 80, reorder=True)
    ligatures = {unicodedata.name(c) for c in row if "LIGATURE" in unicodedata.name(c, "")}
    assert all(name.startswith("ARABIC LIGATURE LAM WITH ALEF ") and "MAKSURA" not in name for name in ligatures)
    assert not any("\ufb50" <= c <= "\ufdff" for c in row)  # Presentation Forms-A: the word and letter ligatures
    assert sorted(unicodedata.normalize("NFKC", row).replace(" ", "")) == sorted(phrase.replace(" ", ""))  # no letter lost


@pytest.mark.parametrize(
    ("env", "terminal"),
    [({"TMUX": "/tmp/tmux-0/default,1,0"}, "tmux"), ({"TERM_PROGRAM": "vscode"}, "VS Code"),
     ({"WT_SESSION": "x"}, "Windows Terminal"), ({"TERM_PROGRAM": "iTerm.app"}, None), ({}, None)],
)
def test_the_bidi_hint_is_given_once_per_terminal_kind(env: dict[str, str], terminal: str | None, tmp_path: Path) -> None:
    from arsum.cli.rtl import bidi_hint

    env = {**env, "XDG_STATE_HOME": str(tmp_path / "state")}
    first = bidi_hint(env)
    if terminal is None:
        assert first is None and not (tmp_path / "state").exists()
        return
    assert first is not None and terminal in first and "--bidi" in first and "ARSUM_BIDI=1" in first
    assert bidi_hint(env) is None  # remembered
    assert (tmp_path / "state" / "arsum" / "hints").is_file()


def test_the_bidi_hint_is_given_every_run_where_nothing_can_be_remembered(tmp_path: Path) -> None:
    from arsum.cli.rtl import bidi_hint

    blocker = tmp_path / "state"
    blocker.write_text("a file where the state folder would be", encoding="utf-8")
    env = {"TMUX": "x", "XDG_STATE_HOME": str(blocker)}
    assert bidi_hint(env) and bidi_hint(env)


def _on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run arsum with stdout on a pseudo-terminal (as in a tmux pane) and stderr on a pipe or, with
    `ARSUM_TEST_STDERR_TTY`, the terminal too; (status, stdout, stderr)."""
    import pty
    import select

    main, sub = pty.openpty()
    both = env.pop("ARSUM_TEST_STDERR_TTY", None)
    try:
        done = subprocess.run([sys.executable, "-m", "arsum", *args], stdout=sub, stderr=sub if both else subprocess.PIPE,
                              env=arsum_env(**env), timeout=120, check=False)
        shown = b""
        while select.select([main], [], [], 0.2)[0]:
            chunk = os.read(main, 65536)
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(sub)
        os.close(main)
    return done.returncode, shown.decode(errors="replace"), (done.stderr or b"").decode()


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals on this platform")
def test_the_hint_appears_once_in_tmux_and_never_when_bidi_was_chosen(tmp_path: Path) -> None:
    env = {"TMUX": "/tmp/tmux-1000/default,4242,0", "XDG_STATE_HOME": str(tmp_path / "state"), "COLUMNS": "80"}
    args = ["summarize", "--no-english", "-n", "1", "-f", "text", "-t", OWN_SENTENCES[0]]
    cases = [([], {"ARSUM_BIDI": "0"}), (["--bidi"], {}), (["--no-bidi"], {}), (["-q"], {}),
             (["-o", str(tmp_path / "o.txt")], {}), (["-f", "json"], {})]
    for extra, extra_env in cases:
        status, shown, _ = _on_a_terminal(args + extra, {**env, **extra_env, "ARSUM_TEST_STDERR_TTY": "1"})
        assert status == 0 and "--bidi" not in shown, (extra, extra_env, shown)
    status, _, stderr = _on_a_terminal(args, dict(env))  # stderr to a log: nobody would see it, so not used up
    assert status == 0 and "--bidi" not in stderr
    status, shown, _ = _on_a_terminal(args, {**env, "ARSUM_TEST_STDERR_TTY": "1"})
    assert status == 0 and shown.count("--bidi") == 1 and "tmux" in shown
    assert "--bidi" not in _on_a_terminal(args, {**env, "ARSUM_TEST_STDERR_TTY": "1"})[1]  # once


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals on this platform")
def test_arsum_bidi_1_reorders_text_on_a_terminal_only(tmp_path: Path) -> None:
    """The profile's default changes what a terminal shows; a file or a pipe keeps the logical text."""
    args = ["summarize", "--no-english", "-n", "1", "-f", "text", "-t", OWN_SENTENCES[0]]
    env = {"ARSUM_BIDI": "1", "COLUMNS": "200", "XDG_STATE_HOME": str(tmp_path / "state")}
    status, shown, _ = _on_a_terminal(args, dict(env))
    assert status == 0 and OWN_SENTENCES[0] not in shown and "\ufe8d" in shown  # shaped letters: display order
    piped = subprocess.run([sys.executable, "-m", "arsum", *args], capture_output=True, text=True,
                           env=arsum_env(**env), timeout=60, check=False)
    assert piped.returncode == 0 and OWN_SENTENCES[0] in piped.stdout
    out = tmp_path / "out.txt"
    assert runner.invoke(app, [*args, "-o", str(out)], env=env).exit_code == 0
    assert OWN_SENTENCES[0] in out.read_text(encoding="utf-8")
    assert OWN_SENTENCES[0] not in runner.invoke(app, [*args, "--bidi"], env=env).stdout  # asked for: a pager
    rich = runner.invoke(app, [*args[:-3], "-f", "rich", "-t", OWN_SENTENCES[0]], env=env).stdout
    assert OWN_SENTENCES[0].split()[0] not in rich  # rich is for terminals: reordered


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_bad_arsum_bidi_is_a_usage_error_naming_it(value: str) -> None:
    result = runner.invoke(app, ["summarize", "--no-english", "-t", OWN_SENTENCES[0]], env={"ARSUM_BIDI": value})
    assert result.exit_code == 2 and f"ARSUM_BIDI={value}" in result.stderr


# --- progress totals -------------------------------------------------------------------------------------------


@pytest.fixture
def shown_bars(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int | None, int]]:
    """(label, total, completed) of every bar the terminal reporter starts, as if stderr were a terminal."""
    from rich.progress import Progress

    from arsum.cli import progress

    bars: list[tuple[str, int | None, int]] = []
    add_task = Progress.add_task

    def recording(self: Progress, description: str, *args: object, **kwargs: object) -> object:
        bars.append((description, kwargs.get("total"), kwargs.get("completed", 0)))  # type: ignore[arg-type]
        return add_task(self, description, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(progress, "enabled", lambda: True)
    monkeypatch.setattr(Progress, "add_task", recording)
    return bars


def test_a_bar_shows_a_total_only_once_every_input_is_read(shown_bars: list[tuple[str, int | None, int]]) -> None:
    from arsum.cli.progress import TerminalReporter

    reporter = TerminalReporter()
    items = reporter.watch_inputs(iter(["r1", "r2", "r3"]))
    next(items)
    with reporter.track("/models/tiny-marian", 4) as bar:  # more input may follow: the run's total is unknown
        bar.advance(4)
    assert list(items) == ["r2", "r3"]
    with reporter.track("/models/tiny-marian", 2) as bar:  # the last window: now the total is the run's
        bar.advance(2)
    assert shown_bars == [("tiny-marian", None, 0), ("tiny-marian", 6, 4)]


def test_translate_bars_never_show_a_total_that_later_grows(
    shown_bars: list[tuple[str, int | None, int]], tiny_models: dict[str, Path], tmp_path: Path
) -> None:
    """20 releases are two windows: the first bar's total is unknown, the last one's is the whole run's."""
    config = tmp_path / "models.toml"
    config.write_text(f'[models.opus-mt-tc-big-ar-en]\nsource = "{tiny_models["marian"]}"\n'
                      "[models.opus-mt-tc-big-ar-en.generation]\nnum_beams = 1\nmax_new_tokens = 4\n", encoding="utf-8")
    releases = "\n---\n".join([ARABIC] * 20)
    result = runner.invoke(app, ["translate", "-t", releases, "--no-support", "-f", "jsonl", "--config", str(config),
                                 "--backend", "transformers"])
    assert result.exit_code == 0, result.stderr
    model_bars = [bar for bar in shown_bars if bar[0] == "opus-mt-tc-big-ar-en"]
    assert len(model_bars) >= 2
    assert all(total is None for _, total, _ in model_bars[:-1])
    _, total, completed = model_bars[-1]
    assert total is not None and total > completed > 0
