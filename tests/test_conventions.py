"""The conventions of the tools people already use: shell completion, examples in -h, text as an argument,
`--ratio 20%`, language names, the bidi hint. CliRunner and real subprocesses; no shell beyond bash is needed:
what zsh and fish would eval is asserted on bytes."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT
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


@pytest.mark.parametrize("command", ["summarize", "translate", "check", "schema"])
def test_help_shows_examples_that_run(command: str) -> None:
    out = runner.invoke(app, [command, "-h"]).stdout
    examples = [line.strip() for line in out.split("Examples:", 1)[1].splitlines() if f"arsum {command}" in line]
    assert 2 <= len(examples) <= 4, out
    assert all(f"arsum {command}" in example for example in examples)


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


def test_an_unknown_language_is_refused_naming_the_codes() -> None:
    result = runner.invoke(app, ["translate", str(SEED), "--to", "klingonish"])
    assert result.exit_code == 2 and "--to klingonish" in result.stderr and "fr" in result.stderr
