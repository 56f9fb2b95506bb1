"""arsum as a process in a shell pipeline: exit codes, broken pipes, Ctrl-C, atomic output files, concurrent runs.

These run the real interpreter (`python -m arsum`) because signals, pipes and exit statuses only exist there.
Exit codes (README): 0 all good; 1 some input failed (the others are still printed); 2 usage or config error;
130 interrupted (Ctrl-C); 141 broken pipe (128 + SIGPIPE, as a shell reports `cmd | head -1`).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import REPO_ROOT, SHARED_EVAL
from typer.testing import CliRunner

from arsum.cli.app import app

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
SPA = SHARED_EVAL / "spa"
FORMATS = ("text", "json", "jsonl", "markdown", "rich")
ARSUM = (sys.executable, "-m", "arsum")
NO_MODEL_NOTICE = "English summary skipped: model "


def _default_sigint() -> None:
    """In the child: Ctrl-C handling as in a shell's foreground job, even when pytest runs with SIGINT ignored
    (a background job, `nohup`), which the child would otherwise inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(args: Sequence[str], **kwargs) -> subprocess.Popen:  # noqa: ANN003
    return subprocess.Popen([*ARSUM, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_default_sigint, **kwargs)  # noqa: PLW1509 - only resets a signal


def run(args: Sequence[str], timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:  # noqa: ANN003
    return subprocess.run([*ARSUM, *args], capture_output=True, text=True, timeout=timeout, check=False, **kwargs)


@pytest.fixture(scope="module")
def many_releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed 400 times in one file (split by ---): enough output to fill any pipe buffer."""
    path = tmp_path_factory.mktemp("many") / "many.txt"
    text = SEED.read_text(encoding="utf-8").strip()
    path.write_text("\n---\n".join([text] * 400) + "\n", encoding="utf-8")
    return path


def head_one(args: Sequence[str]) -> tuple[int, str]:
    """Like `arsum ARGS | head -1`: read one line, close the pipe, return (exit status, stderr)."""
    proc = start(args)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    assert first, proc.stderr.read().decode()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    return proc.wait(timeout=120), err


def interrupt_after_output(args: Sequence[str]) -> tuple[int, str]:
    """Ctrl-C once the first output has arrived (the process is then blocked on a full pipe or still working)."""
    proc = start(args)
    assert proc.stdout is not None
    assert proc.stdout.read(1), "no output before the interrupt"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err.decode()


# --------------------------------------------------------------------------- broken pipe

BROKEN_PIPE_CASES = [(fmt, "--no-english") for fmt in FORMATS] + [("jsonl", "--english"), ("rich", "--english")]


@pytest.mark.parametrize(("fmt", "english"), BROKEN_PIPE_CASES)
def test_summarize_broken_pipe_is_quiet(many_releases: Path, fmt: str, english: str) -> None:
    """--english (no model downloaded) adds the English attempt and its notice; the rest is the same path."""
    code, err = head_one(["summarize", str(many_releases), "-f", fmt, english])
    assert code == 141
    notices = [line for line in err.splitlines() if NO_MODEL_NOTICE in line]
    assert err.splitlines() == notices  # nothing but the one "no model downloaded" notice
    assert len(notices) == (1 if english == "--english" else 0)


def test_translate_broken_pipe_is_quiet(tiny_marian: Path, many_releases: Path) -> None:
    """rich writes through its own console, whose default on a broken pipe is exit 1; the other formats share
    their plain stream writes with summarize (tested above), and each translate process costs a torch import.
    The 400 identical releases are translated once and then memoised, so the output is large and quick."""
    code, err = head_one(["translate", str(many_releases), "--model", str(tiny_marian), "--no-support", "-f", "rich"])
    assert (code, err) == (141, "")


# --------------------------------------------------------------------------- Ctrl-C

@pytest.mark.parametrize("fmt", FORMATS)
def test_summarize_ctrl_c_exits_130_without_traceback(many_releases: Path, fmt: str) -> None:
    code, err = interrupt_after_output(["summarize", str(many_releases), "--no-english", "-f", fmt])
    assert code == 130
    assert err == "arsum: interrupted\n"


def test_translate_ctrl_c_exits_130_without_traceback(tiny_marian: Path, many_releases: Path) -> None:
    code, err = interrupt_after_output(
        ["translate", str(many_releases), "--model", str(tiny_marian), "--no-support", "-f", "text"]
    )
    assert code == 130
    assert err.splitlines()[-1:] == ["arsum: interrupted"]
    assert "Traceback" not in err


# --------------------------------------------------------------------------- atomic output files

def _wait_for_partial(folder: Path, proc: subprocess.Popen, timeout: float = 60) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        parts = [p for p in folder.glob(".*.part") if p.stat().st_size > 0]
        if parts:
            return parts[0]
        assert proc.poll() is None, "finished before it could be interrupted"
        time.sleep(0.01)
    raise AssertionError("no temporary output file appeared")


@pytest.mark.parametrize("existing", [False, True], ids=["new-file", "force-over-existing"])
def test_ctrl_c_while_writing_leaves_no_partial_file(tmp_path: Path, many_releases: Path, existing: bool) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "summaries.jsonl"
    if existing:
        out.write_text("precious\n", encoding="utf-8")
    big = tmp_path / "big.txt"
    big.write_text("\n---\n".join([many_releases.read_text(encoding="utf-8")] * 4), encoding="utf-8")  # 1,600
    args = ["summarize", str(big), "--no-english", "-f", "jsonl", "-o", str(out)] + (["--force"] if existing else [])
    proc = start(args)
    _wait_for_partial(out_dir, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    discarded, interrupted = err.decode().splitlines()  # what -o threw away, and where to keep it (#25)
    assert re.fullmatch(rf"arsum: {re.escape(str(out))}: not written; \d+ finished records discarded .*--output-dir.*",
                        discarded) and interrupted == "arsum: interrupted"
    assert sorted(p.name for p in out_dir.iterdir()) == (["summaries.jsonl"] if existing else [])
    if existing:
        assert out.read_text(encoding="utf-8") == "precious\n"


def test_failed_forced_run_keeps_the_original(tmp_path: Path) -> None:
    """A config error surfaces at the first release, after the temp file exists: the old file must survive."""
    out = tmp_path / "summaries.jsonl"
    out.write_text("precious\n", encoding="utf-8")
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text("not [valid toml", encoding="utf-8")
    done = run(["summarize", str(SEED), "-f", "jsonl", "-o", str(out), "--force", "--config", str(bad_config)])
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert str(bad_config) in line and "invalid TOML" in line
    assert out.read_text(encoding="utf-8") == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "summaries.jsonl"]


def test_disk_full_on_the_output_file_is_exit_2_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file system fills up after the first release: one line, exit 2 (README), nothing left behind."""
    import errno

    from arsum.cli import output

    real_fdopen = os.fdopen

    class FillsUp:
        def __init__(self, raw) -> None:  # noqa: ANN001
            self.raw, self.writes = raw, 0

        def write(self, text: str) -> int:
            self.writes += 1
            if self.writes > 1:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.raw.write(text)

        def __getattr__(self, name: str):  # noqa: ANN204
            return getattr(self.raw, name)

        def __enter__(self):  # noqa: ANN204
            return self

        def __exit__(self, *exc: object) -> None:
            self.raw.close()

    monkeypatch.setattr(output.os, "fdopen", lambda *a, **k: FillsUp(real_fdopen(*a, **k)))
    text = SEED.read_text(encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app, ["summarize", "-", "--no-english", "-f", "jsonl", "-o", str(out)], input=text + "\n---\n" + text,
    )
    assert result.exit_code == 2
    assert result.stderr == f"arsum: {out}: cannot write (no space left on device)\n"
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_folder_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    def denied(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["summarize", str(SEED), "--no-english", "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr == f"arsum: {out}: cannot write in {tmp_path} (permission denied)\n"


def test_output_file_gets_ordinary_permissions(tmp_path: Path) -> None:
    """mkstemp makes 0600 files; the renamed result must look like any file the user writes (umask applies)."""
    out = tmp_path / "out.jsonl"
    old = os.umask(0o022)
    try:
        result = CliRunner().invoke(app, ["summarize", str(SEED), "--no-english", "-f", "jsonl", "-o", str(out)])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    assert out.stat().st_mode & 0o777 == 0o644
    out.chmod(0o640)
    again = CliRunner().invoke(app, ["summarize", str(SEED), "--no-english", "-o", str(out), "--force"])
    assert again.exit_code == 0, again.stderr
    assert out.stat().st_mode & 0o777 == 0o640  # --force keeps the replaced file's mode


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("fmt", FORMATS)
def test_disk_full_on_stdout_is_one_line(fmt: str) -> None:
    with open("/dev/full", "w") as full:  # noqa: PTH123
        done = subprocess.run([*ARSUM, "summarize", str(SEED), "--no-english", "-f", fmt], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr == "arsum: stdout: cannot write (no space left on device)\n"


def test_closed_stdout_is_one_line() -> None:
    done = subprocess.run([*ARSUM, "summarize", str(SEED), "--no-english"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, timeout=60, check=False,
                          preexec_fn=lambda: os.close(1))  # noqa: PLW1509 - `arsum … >&-`
    assert done.returncode == 2
    assert done.stderr == "arsum: stdout: is closed; use -o FILE\n"


# --------------------------------------------------------------------------- exit codes

@pytest.fixture
def exit_code_inputs(tmp_path: Path) -> dict[str, str]:
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("[models\n", encoding="utf-8")
    existing = tmp_path / "existing.jsonl"
    existing.write_text("keep\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    seed_copy = tmp_path / "seed.txt"  # -o … --force on an input: a broken guard must not reach the tracked seed
    seed_copy.write_bytes(SEED.read_bytes())
    return {"SEED": str(SEED), "SEED_COPY": str(seed_copy), "BAD_TOML": str(bad_toml), "EXISTING": str(existing), "EMPTY": str(empty),
            "MISSING": str(tmp_path / "missing.txt"), "MISSING_TOML": str(tmp_path / "missing.toml")}


EXIT_CODES = [
    ("all-good", ["summarize", "SEED", "--no-english"], 0),
    ("all-good-no-model", ["summarize", "SEED"], 0),
    ("one-bad-input", ["summarize", "EMPTY", "SEED", "--no-english"], 1),
    ("missing-input", ["summarize", "MISSING", "--no-english"], 1),
    ("unknown-option", ["summarize", "SEED", "--bogus"], 2),
    ("zero-sentences", ["summarize", "SEED", "-n", "0"], 2),
    ("count-and-ratio", ["summarize", "SEED", "-n", "2", "--ratio", "0.5"], 2),
    ("bad-max-bytes", ["summarize", "SEED", "--max-bytes", "0"], 2),
    ("unknown-format", ["summarize", "SEED", "-f", "yaml"], 2),
    ("config-not-found", ["summarize", "SEED", "--config", "MISSING_TOML"], 2),
    ("config-invalid", ["summarize", "SEED", "--config", "BAD_TOML"], 2),
    ("translate-config-invalid", ["translate", "SEED", "--config", "BAD_TOML"], 2),
    ("output-exists", ["summarize", "SEED", "--no-english", "-o", "EXISTING"], 2),
    ("output-is-input", ["summarize", "SEED_COPY", "--no-english", "-o", "SEED_COPY", "--force"], 2),
    ("translate-no-model", ["translate", "SEED"], 1),
]


@pytest.mark.parametrize(("argv", "code"), [c[1:] for c in EXIT_CODES], ids=[c[0] for c in EXIT_CODES])
def test_exit_codes(exit_code_inputs: dict[str, str], argv: list[str], code: int) -> None:
    args = [exit_code_inputs.get(a, a) for a in argv]
    done = run(args)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    if code == 0:
        assert done.stdout
    if code == 1:
        assert all(line.startswith("arsum: ") for line in done.stderr.splitlines())
    if "EXISTING" in argv:
        assert Path(exit_code_inputs["EXISTING"]).read_text(encoding="utf-8") == "keep\n"
    if "SEED_COPY" in argv:
        assert Path(exit_code_inputs["SEED_COPY"]).read_bytes() == SEED.read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_translate_without_model_is_one_line_naming_the_model(fmt: str) -> None:
    done = run(["translate", str(SEED), "-f", fmt])
    assert done.returncode == 1
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("arsum: model ") and "not downloaded" in line and "`arsum models pull " in line


# --------------------------------------------------------------------------- under load

@pytest.mark.skipif(not SPA.is_dir(), reason="../shared/eval/spa not present")
def test_four_concurrent_runs_share_cache_and_config(isolated_env: Path) -> None:
    """Same folder, same HF cache, same user config folder, default English path: identical, successful output."""
    user_config = isolated_env / "config" / "arsum" / "models.toml"
    user_config.parent.mkdir(parents=True, exist_ok=True)
    user_config.write_text("[models.crosssum-m2m.generation]\nnum_beams = 2\n", encoding="utf-8")
    procs = [start(["summarize", str(SPA), "-f", "jsonl"]) for _ in range(4)]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0, 0], outputs[0][1].decode()
    stdouts = {out for out, _ in outputs}
    assert len(stdouts) == 1
    records = [json.loads(line) for line in stdouts.pop().decode().splitlines()]
    read = {Path(r["source"]).name for r in records} | {part.rsplit("#", 1)[0] for r in records for part in r["parts"]}
    assert read == {path.name for path in SPA.glob("*.txt")}  # every file, some joined as parts of one release
    assert all(r["arabic_summary"] for r in records)
    for _, err in outputs:
        [notice] = err.decode().splitlines()
        assert NO_MODEL_NOTICE in notice
