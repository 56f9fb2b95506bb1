"""`-o` never replaces an input, whatever the spelling: the guard compares files, not path strings."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from typer.testing import CliRunner

from arsum.cli.app import app

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"


def _relative(tmp_path: Path) -> tuple[str, str]:
    return "./c.txt", str(tmp_path / "c.txt")


def _absolute_then_dotted(tmp_path: Path) -> tuple[str, str]:
    return str(tmp_path / "c.txt"), str(tmp_path / "sub" / ".." / "c.txt")


def _symlink(tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "link.txt").symlink_to(tmp_path / "c.txt")
    return str(tmp_path / "link.txt"), str(tmp_path / "c.txt")


def _hard_link(tmp_path: Path) -> tuple[str, str]:
    os.link(tmp_path / "c.txt", tmp_path / "hard.txt")
    return str(tmp_path / "c.txt"), str(tmp_path / "hard.txt")


def _folder(tmp_path: Path) -> tuple[str, str]:
    return str(tmp_path), str(tmp_path / "c.txt")


def _folder_via_symlink(tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "alias").symlink_to(tmp_path, target_is_directory=True)
    return str(tmp_path / "alias"), "./c.txt"


def _hard_link_into_folder(tmp_path: Path) -> tuple[str, str]:
    outside = tmp_path / "sub" / "elsewhere.jsonl"
    os.link(tmp_path / "c.txt", outside)
    return str(tmp_path), str(outside)


SPELLINGS: dict[str, Callable[[Path], tuple[str, str]]] = {
    "dot-slash-vs-absolute": _relative,
    "absolute-vs-dotdot": _absolute_then_dotted,
    "symlink-input": _symlink,
    "hard-link-output": _hard_link,
    "folder-input": _folder,
    "folder-symlink-input": _folder_via_symlink,
    "hard-link-into-folder": _hard_link_into_folder,
}


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_output_that_is_an_input_is_refused_with_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    original = SEED.read_bytes()
    (tmp_path / "sub").mkdir()
    (tmp_path / "c.txt").write_bytes(original)
    monkeypatch.chdir(tmp_path)
    given, output = SPELLINGS[spelling](tmp_path)
    result = CliRunner().invoke(app, ["summarize", given, "--no-english", "-o", output, "--force"])
    assert result.exit_code == 2, result.stdout
    [line] = result.stderr.splitlines()
    assert line.startswith(f"arsum: {Path(output)}: is the same file as input ") and line.endswith("; refusing to overwrite it")
    assert (tmp_path / "c.txt").read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp file was made


def test_output_next_to_the_input_in_a_folder_is_fine(tmp_path: Path) -> None:
    """A new file in an input folder is not an input (and not a .txt that a rerun would read as one)."""
    (tmp_path / "c.txt").write_bytes(SEED.read_bytes())
    out = tmp_path / "summaries.jsonl"
    result = CliRunner().invoke(app, ["summarize", str(tmp_path), "--no-english", "-f", "jsonl", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.read_text(encoding="utf-8").count("\n") == 1


def _arsum(args: list[str], stdin_path: Path | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with open(stdin_path or os.devnull, "rb") as stdin:  # noqa: PTH123
        return subprocess.run([sys.executable, "-m", "arsum", *args], stdin=stdin, capture_output=True, text=True,
                              timeout=120, check=False, cwd=cwd, env=env)


@pytest.mark.parametrize("argv", [[], ["-"]], ids=["no-paths", "dash"])
def test_stdin_redirected_from_the_output_file_is_refused(tmp_path: Path, argv: list[str]) -> None:
    """`arsum summarize -o c.txt --force < c.txt`: stdin is the output file."""
    target = tmp_path / "c.txt"
    target.write_bytes(SEED.read_bytes())
    done = _arsum(["summarize", *argv, "--no-english", "-o", "c.txt", "--force"], stdin_path=target, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr == "arsum: c.txt: is the same file as stdin; refusing to overwrite it\n"
    assert target.read_bytes() == SEED.read_bytes()


def test_stdin_from_another_file_writes_the_output(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("old\n", encoding="utf-8")
    done = _arsum(["summarize", "--no-english", "-o", str(out), "--force"], stdin_path=SEED)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").startswith("# stdin#1\n")
