"""Round three of the hostile battery: cases found by running every command as a hostile user would, each kept
here once fixed. Assertions are on exit codes and structure (which file is named, what is written), not wording.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from typer.testing import CliRunner

from arsum.cli.app import app
from arsum.errors import EXIT_OK, EXIT_USAGE

runner = CliRunner()
SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"


def arsum_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run([sys.executable, "-m", "arsum", *args], check=False, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)


BAD_CONFIGS = {
    "missing": None,
    "not-toml": "[models\n",
    "wrong-type": "[models.x]\nsource = 5\nfamily = [\"marian\"]\n",
    "unknown-key": "[bogus]\nx = 1\n",
    "deep": "a = " + "[" * 5000 + "]" * 5000 + "\n",
}


@pytest.mark.parametrize("command", ["summarize", "digest"])
@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_a_config_file_the_user_names_is_checked_even_when_no_model_runs(tmp_path: Path, command: str,
                                                                         case: str) -> None:
    """`--config FILE` on an Arabic-only run used to be ignored unread: a typo'd or broken file gave exit 0."""
    config = tmp_path / "models.toml"
    if BAD_CONFIGS[case] is not None:
        config.write_text(BAD_CONFIGS[case], encoding="utf-8")
    result = runner.invoke(app, [command, "--no-english", "--config", str(config), "-f", "json", str(SEED)])
    assert result.exit_code == EXIT_USAGE, result.output
    assert str(config) in result.output
    assert "Traceback" not in result.output


def test_a_good_config_file_still_runs_arabic_only(tmp_path: Path) -> None:
    config = tmp_path / "models.toml"
    config.write_text('[models.mine]\nsource = "org/mine"\nfamily = "marian"\ntasks = ["translate"]\n'
                      'languages = ["ar", "en"]\n', encoding="utf-8")
    result = runner.invoke(app, ["summarize", "--no-english", "--config", str(config), "-f", "json", str(SEED)])
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.stdout)[0]["arabic_summary"]


def _with_target(src: Path, dest: Path, target: object) -> Path:
    """A copy of a tiny Marian folder whose tokenizer_config.json says `target_lang = target`."""
    import shutil

    shutil.copytree(src, dest)
    config_path = dest / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    if target is None:
        config.pop("target_lang", None)
    else:
        config["target_lang"] = target
    config_path.write_text(json.dumps(config), encoding="utf-8")
    return dest


@pytest.mark.parametrize(("target", "to", "refused"), [
    ("en", "fr", True),      # an ar-en folder asked for French used to write English labelled target_lang fr
    ("eng", "fr", True),     # tc-big folders write ISO 639-3
    ("en", "en", False),
    ("eng", "english", False),
    ("fra", "fr", False),
    ("mul", "fr", False),    # a multilingual folder picks its target by token: not restricted here
    (None, "fr", False),     # nothing said: nothing claimed
    (["en"], "fr", False),   # not a code: ignored, not a crash
])
def test_an_unconfigured_marian_folder_refuses_a_target_it_cannot_write(
        tiny_marian: Path, tmp_path: Path, target: object, to: str, refused: bool) -> None:
    folder = _with_target(tiny_marian, tmp_path / "marian", target)
    result = runner.invoke(app, ["translate", "-m", str(folder), "--to", to, "--no-support", "-f", "json", str(SEED)])
    if refused:
        assert result.exit_code == EXIT_USAGE, result.output
        assert str(folder) in result.output and "Traceback" not in result.output
        assert not result.stdout.strip().startswith("[")
    else:
        assert result.exit_code == EXIT_OK, result.output
        assert json.loads(result.stdout)[0]["pairs"]


def test_marian_target_refusal_as_a_real_process(tiny_marian: Path, tmp_path: Path) -> None:
    result = arsum_process("translate", "-m", str(tiny_marian), "--to", "de", "-f", "jsonl", str(SEED), cwd=tmp_path)
    assert result.returncode == EXIT_USAGE
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("arsum: ")


WEIGHTLESS = {
    "archive": lambda files, tmp: __import__("test_install_hostile").write_archive(
        tmp / "weightless.tar", files, __import__("test_install_hostile").manifest_for(files)),
    "folder": lambda files, tmp: _folder_of(files, tmp / "weightless"),
}


def _folder_of(files: dict[str, bytes], folder: Path) -> Path:
    folder.mkdir()
    for name, data in files.items():
        (folder / name.split("/", 1)[1]).write_bytes(data)
    return folder


@pytest.mark.parametrize("kind", sorted(WEIGHTLESS))
def test_a_model_without_weights_is_refused_before_the_cache_changes(kind: str, tiny_marian: Path,
                                                                     tmp_path: Path) -> None:
    """An archive whose checksums hold but which carries no weights used to be installed (and counted as
    downloaded), then failed converting: the cache kept a model that cannot load."""
    from test_install_hostile import HUB_ID, assert_nothing_installed, model_files

    files = {name: data for name, data in model_files(tiny_marian).items()
             if not name.endswith((".safetensors", ".bin"))}
    source = WEIGHTLESS[kind](files, tmp_path)
    result = runner.invoke(app, ["models", "import", str(source), "--name", HUB_ID])
    assert result.exit_code in (1, 2), result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"arsum: {source}") and "Traceback" not in result.output
    assert_nothing_installed()


def test_models_commands_take_quiet_as_every_command_does(tiny_marian: Path, tmp_path: Path) -> None:
    """`-q` silenced notices everywhere but `models`: a cron job running `models import -q` got a usage error.
    Quiet keeps stdout (the folder) and errors; notices go."""
    from test_install_hostile import HUB_ID

    loud = runner.invoke(app, ["models", "import", str(tiny_marian), "--name", HUB_ID, "--no-convert"])
    assert loud.exit_code == EXIT_OK, loud.output
    assert loud.stderr.strip() and loud.stdout.strip()
    quiet = runner.invoke(app, ["models", "import", "-q", str(tiny_marian), "--name", HUB_ID, "--no-convert"])
    assert quiet.exit_code == EXIT_OK, quiet.output
    assert quiet.stderr == "" and quiet.stdout == loud.stdout
    removed = runner.invoke(app, ["models", "remove", "-q", HUB_ID])
    assert removed.exit_code == EXIT_OK, removed.output
    assert removed.stderr == "" and removed.stdout.strip()
    failed = runner.invoke(app, ["models", "remove", "-q", HUB_ID])  # nothing left: the error still prints
    assert failed.exit_code != EXIT_OK and failed.stderr.startswith("arsum: ")
    offline = runner.invoke(app, ["models", "pull", "-q", HUB_ID])  # the hub is off in tests: one error line
    assert offline.exit_code != EXIT_OK and offline.stderr.startswith("arsum: ") and offline.stdout == ""


@pytest.mark.parametrize("kind", ["folder", "fifo", "device-link"])
def test_a_config_that_is_not_a_regular_file_is_named_as_such(tmp_path: Path, kind: str) -> None:
    """`--config` naming a folder, a FIFO or a link to /dev/zero said `config file not found` (it is there) or, for
    a FIFO, could block; it is one line saying what the path is, and nothing is read from it."""
    path = tmp_path / "models.toml"
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    result = runner.invoke(app, ["summarize", "--no-english", "--config", str(path), "-f", "json", str(SEED)])
    assert result.exit_code == EXIT_USAGE, result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"arsum: {path}") and "not found" not in line


@pytest.mark.parametrize("command", ["check", "translate"])
def test_a_missing_encoder_points_to_the_encoder_option_not_to_the_model_one(tmp_path: Path, command: str,
                                                                             tiny_marian: Path) -> None:
    """The offline hint for a missing sentence encoder said `-m FOLDER` (which sets the summarizer or translator)
    and `models import` (which takes seq2seq models only): neither gets an encoder onto an offline machine."""
    arabic = tmp_path / "ar.txt"
    arabic.write_text("وصل 25 زائرا إلى المدينة يوم الاثنين.\nافتتح الوزير المعرض الجديد.\n", encoding="utf-8")
    english = tmp_path / "en.txt"
    english.write_text("25 visitors arrived in the city on Monday.\n", encoding="utf-8")
    args = [str(arabic), str(english)] if command == "check" else ["-m", str(tiny_marian), str(arabic)]
    result = runner.invoke(app, [command, "--encoder", "no-org/no-encoder", *args])
    line = next(line for line in result.stderr.splitlines() if "no-org/no-encoder" in line)
    assert "models pull no-org/no-encoder" in line and "--encoder" in line
    assert "-m FOLDER" not in line and "models import" not in line


@pytest.mark.parametrize("command", ["check", "translate"])
def test_a_seq2seq_folder_as_encoder_is_named_as_one_not_with_torch_words(tmp_path: Path, command: str,
                                                                         tiny_marian: Path) -> None:
    """`--encoder MARIAN_FOLDER` was refused with transformers' own exception text (`You cannot specify both
    decoder_input_ids and decoder_inputs_embeds`); it now says what the folder is."""
    arabic = tmp_path / "ar.txt"
    arabic.write_text("وصل 25 زائرا إلى المدينة يوم الاثنين.\nافتتح الوزير المعرض الجديد.\n", encoding="utf-8")
    english = tmp_path / "en.txt"
    english.write_text("25 visitors arrived in the city on Monday.\n", encoding="utf-8")
    args = [str(arabic), str(english)] if command == "check" else ["-m", str(tiny_marian), str(arabic)]
    result = runner.invoke(app, [command, "--encoder", str(tiny_marian), *args])
    assert result.exit_code == (1 if command == "check" else EXIT_OK), result.output
    [line] = [line for line in result.stderr.splitlines() if str(tiny_marian) in line and "seq2seq" in line]
    assert "decoder_input" not in line and "Traceback" not in result.output


@pytest.mark.parametrize("command", [["summarize", "--no-english"], ["digest", "--no-english"]])
def test_stdin_named_twice_is_one_usage_error_before_anything_is_read(command: list[str]) -> None:
    """`arsum summarize - -` printed the release once, then `<stdin>: empty file` and exit 1, as if the user had
    fed an empty second input."""
    result = runner.invoke(app, [*command, "-f", "jsonl", "-", "-"], input=SEED.read_text(encoding="utf-8"))
    assert result.exit_code == EXIT_USAGE, result.output
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("arsum: ") and "Traceback" not in line
