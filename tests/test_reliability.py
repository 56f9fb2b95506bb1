"""Issue 14, reliability round two: nothing the user owns is destroyed, one bad record never sinks a run,
inputs of the real world, and bounded time and resources.

Devices, signals and file descriptors run as real processes (`python -m arsum`); the rest through CliRunner.
CI runs as root, so device cases write through a symlink in tmp_path to /dev/null or /dev/full (replacing the
link by mistake is harmless) instead of naming the device itself.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from typer.testing import CliRunner

from arsum.cli.app import app
from arsum.cli.output import check_output_path, open_output
from arsum.errors import ConfigError, ModelUnavailable, OutputError, escape_controls
from arsum.models.config import GENERATION_MAXIMA, MAX_CONFIG_BYTES, load_config
from arsum.text.inputs import decode_bytes, load_releases
from arsum.text.release import Release

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")
ARSUM = (sys.executable, "-m", "arsum")
runner = CliRunner()


def arsum(*args: str, **kwargs) -> subprocess.CompletedProcess:  # noqa: ANN003
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([*ARSUM, *args], timeout=120, check=False, **kwargs)


def invoke(*args: str, **kwargs):  # noqa: ANN003, ANN201
    return runner.invoke(app, list(args), **kwargs)


def one_line(stderr: str | bytes) -> str:
    text = stderr.decode() if isinstance(stderr, bytes) else stderr
    lines = text.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arsum: "), text
    assert "Traceback" not in text
    return lines[0]


# --------------------------------------------------------------------------- 1. -o on devices, FIFOs, links

def _link_to(target: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        (tmp / "out").symlink_to(target)
        return tmp / "out"

    return make


def _link_to_file(tmp: Path) -> Path:
    (tmp / "real.jsonl").write_text("old\n")
    (tmp / "out").symlink_to(tmp / "real.jsonl")
    return tmp / "out"


def _dangling(tmp: Path) -> Path:
    (tmp / "out").symlink_to(tmp / "nowhere" / "x")
    return tmp / "out"


def _socket(tmp: Path) -> Path:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp / "out"))
    return tmp / "out"


OUTPUT_TARGETS = [
    # (id, make -o, exit, stderr problem or None)
    ("link-to-dev-null", _link_to("/dev/null"), 0, None),
    ("link-to-dev-full", _link_to("/dev/full"), 2, "cannot write (no space left on device)"),
    ("link-to-regular-file", _link_to_file, 0, None),
    ("dangling-link", _dangling, 2, "symbolic link to a missing file"),
    ("socket", _socket, 2, "is not a regular file, terminal or pipe"),
]


@pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
@pytest.mark.parametrize(("make", "code", "problem"), [c[1:] for c in OUTPUT_TARGETS], ids=[c[0] for c in OUTPUT_TARGETS])
def test_output_never_replaces_devices_links_or_sockets(
    tmp_path: Path, make: Callable[[Path], Path], code: int, problem: str | None, force: bool
) -> None:
    out = make(tmp_path)
    kind = stat.S_IFMT(os.lstat(out).st_mode)
    target = os.readlink(out) if out.is_symlink() else None
    result = invoke("summarize", str(SEED), "--no-english", "-f", "jsonl", "-o", str(out), *(["--force"] * force))
    if make is _link_to_file and not force:
        code, problem = 2, "already exists; use --force"
    assert result.exit_code == code, result.stderr
    if problem:
        assert problem in one_line(result.stderr) and "--force" not in problem.replace("use --force", "")
    assert stat.S_IFMT(os.lstat(out).st_mode) == kind and (os.readlink(out) if target else None) == target
    for device in ("/dev/null", "/dev/full"):
        assert stat.S_ISCHR(os.stat(device).st_mode)
    if make is _link_to_file:
        written = (tmp_path / "real.jsonl").read_text()
        assert (json.loads(written)["id"] == "azerbaijan_nato_dialogue.txt#1") if force else written == "old\n"
    assert not list(tmp_path.glob(".*.part"))


def test_output_to_a_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = invoke("summarize", str(SEED), "--no-english", "-f", "jsonl", "-o", str(fifo), "--force")
    reader.join(timeout=60)
    assert result.exit_code == 0, result.stderr
    assert json.loads(received[0])["id"] == "azerbaijan_nato_dialogue.txt#1"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("stdout", ["pipe", "file"])
def test_output_to_dev_stdout_writes_into_stdout(tmp_path: Path, stdout: str) -> None:
    out = tmp_path / "redirected.jsonl"
    out.write_bytes(b"")
    with out.open("ab") as redirected:
        done = arsum("summarize", str(SEED), "--no-english", "-f", "jsonl", "-o", "/dev/stdout",
                     stdout=subprocess.PIPE if stdout == "pipe" else redirected)
    assert done.returncode == 0, done.stderr
    written = done.stdout if stdout == "pipe" else out.read_bytes()
    assert json.loads(written)["id"] == "azerbaijan_nato_dialogue.txt#1"
    assert os.path.islink("/dev/stdout") and sorted(p.name for p in tmp_path.iterdir()) == ["redirected.jsonl"]


# --------------------------------------------------------------------------- 3. -o is an input

def test_output_that_is_a_folder_member_or_hard_link_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "dd"
    folder.mkdir()
    member = folder / "x.txt"
    member.write_text(SEED_TEXT, encoding="utf-8")
    os.link(member, tmp_path / "alias.txt")
    for out, inputs in ((member, [str(folder)]), (tmp_path / "alias.txt", [str(member)])):
        result = invoke("summarize", *inputs, "--no-english", "-o", str(out), "--force")
        assert result.exit_code == 2
        assert "is the same file as input" in one_line(result.stderr)
    assert member.read_text(encoding="utf-8") == SEED_TEXT


@pytest.mark.parametrize("args", [[], ["-"]], ids=["implicit", "dash"])
def test_output_that_is_stdin_is_refused(tmp_path: Path, args: list[str]) -> None:
    source = tmp_path / "s.txt"
    source.write_text(SEED_TEXT, encoding="utf-8")
    with source.open("rb") as stdin:
        done = arsum("summarize", *args, "--no-english", "-o", str(source), "--force", stdin=stdin)
    assert done.returncode == 2
    assert "is the same file as stdin" in one_line(done.stderr)
    assert source.read_text(encoding="utf-8") == SEED_TEXT


# --------------------------------------------------------------------------- 4. a file that appeared meanwhile

def _write_while(tmp: Path, force: bool, meanwhile: Callable[[Path], None]) -> Path:
    out = tmp / "out.txt"
    if force:
        out.write_text("old\n")
    target = check_output_path(out, [str(SEED)], force)
    with pytest.raises(OutputError, match="while arsum was running; not replaced"), open_output(target) as stream:
        stream.write("new\n")
        meanwhile(out)
    assert not list(tmp.glob(".*.part"))
    return out


def test_file_that_appeared_during_the_run_is_not_clobbered(tmp_path: Path) -> None:
    out = _write_while(tmp_path, False, lambda p: p.write_text("theirs\n"))
    assert out.read_text() == "theirs\n"


def test_forced_file_replaced_during_the_run_is_not_clobbered(tmp_path: Path) -> None:
    def swap(path: Path) -> None:
        path.unlink()
        path.write_text("theirs\n")

    out = _write_while(tmp_path, True, swap)
    assert out.read_text() == "theirs\n"


def test_forced_file_removed_during_the_run_is_written(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("old\n")
    with open_output(check_output_path(out, [], True)) as stream:
        stream.write("new\n")
        out.unlink()
    assert out.read_text() == "new\n" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_two_runs_to_one_output_one_wins_the_other_says_so(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    first, second = (check_output_path(out, [], False) for _ in range(2))
    with pytest.raises(OutputError, match="appeared"), open_output(first) as a:
        a.write("first\n")
        with open_output(second) as b:
            b.write("second\n")
            assert not out.exists()  # nothing is written until a run has finished
    assert out.read_text() == "second\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


# --------------------------------------------------------------------------- 5. SIGTERM / SIGHUP (see also test_process)

@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_termination_leaves_no_partial_file(tmp_path: Path, signum: int) -> None:
    big = tmp_path / "big.txt"
    big.write_text("\n---\n".join([SEED_TEXT.strip()] * 1500), encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = subprocess.Popen([*ARSUM, "summarize", str(big), "--no-english", "-f", "jsonl", "-o", str(out_dir / "o.jsonl")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not [p for p in out_dir.glob(".*.part") if p.stat().st_size] and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum
    *discarded, last = err.decode().splitlines()
    assert last == f"arsum: terminated ({signal.Signals(signum).name})"
    # records finished before the signal are said to be discarded (-o writes only a complete run), in one line
    assert [line.split(": not written; ")[0] for line in discarded] in ([], [f"arsum: {out_dir / 'o.jsonl'}"])
    assert list(out_dir.iterdir()) == []


def test_ctrl_c_while_the_cli_is_importing_is_no_traceback() -> None:
    """Ctrl-C lands while the console script imports typer (the first ~70 ms): made deterministic by an import
    hook that raises KeyboardInterrupt exactly there."""
    code = ("import builtins\nreal = builtins.__import__\n"
            "def hook(name, *a, **k):\n    if name == 'typer':\n        raise KeyboardInterrupt\n    return real(name, *a, **k)\n"
            "builtins.__import__ = hook\nfrom arsum.cli import main\nmain()\n")
    done = subprocess.run([sys.executable, "-c", code, "summarize"], capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stderr) == (130, "arsum: interrupted\n")


# --------------------------------------------------------------------------- 6. one bad record, one error line

def _good(rid: str) -> str:
    return json.dumps({"id": rid, "title": "عنوان", "text": "جملة أولى عن الاقتصاد. جملة ثانية عن التجارة."},
                      ensure_ascii=False)


BAD_RECORDS = [
    ("huge-integer", '{"id": "x", "text": "نص.", "n": ' + "1" * 5000 + "}", "invalid JSON: exceeds the limit"),
    ("surrogate-text", '{"id": "x", "text": "نص \\ud800 هنا."}', '"text" holds a lone UTF-16 surrogate'),
    ("surrogate-title", '{"id": "x", "title": "\\udfff", "text": "نص هنا."}', '"title" holds a lone UTF-16 surrogate'),
    ("surrogate-id", '{"id": "\\ud800", "text": "نص هنا."}', '"id" holds a lone UTF-16 surrogate'),
    ("deep-nesting", "[" * 100_000 + "]" * 100_000, "invalid JSON: nested too deeply"),
]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "text", "markdown", "rich"])
@pytest.mark.parametrize(("line", "problem"), [c[1:] for c in BAD_RECORDS], ids=[c[0] for c in BAD_RECORDS])
def test_bad_record_is_one_line_and_the_others_are_printed(tmp_path: Path, line: str, problem: str, fmt: str) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join([_good("first"), line, _good("[/]")]) + "\n", encoding="utf-8")
    result = invoke("summarize", "--no-english", "--input-format", "jsonl", "-f", fmt, str(feed))
    assert result.exit_code == 1
    assert f"{feed}:2: {problem}" in one_line(result.stderr)
    if fmt == "json":
        assert [r["id"] for r in json.loads(result.stdout)] == ["first", "[/]"]
    else:
        assert "first" in result.stdout and "[/]" in result.stdout


def test_file_name_that_is_not_utf8_is_processed_with_escapes(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    raw = os.fsencode(str(folder)) + b"/\xc8\xed\xc7\xe4.txt"  # بيان.txt in Windows-1256
    Path(os.fsdecode(raw)).write_text(SEED_TEXT, encoding="utf-8")
    (folder / "z.txt").write_text(SEED_TEXT, encoding="utf-8")
    out = tmp_path / "out.json"
    result = invoke("summarize", "--no-english", "-f", "json", "-o", str(out), str(folder))
    assert result.exit_code == 0, result.stderr
    ids = [r["id"] for r in json.loads(out.read_text(encoding="utf-8"))]
    assert sorted(ids) == ["\\xc8\\xed\\xc7\\xe4.txt#1", "z.txt#1"]


# --------------------------------------------------------------------------- 7, 19. support encoders

def _not_an_encoder(tmp: Path) -> str:
    folder = tmp / "enc"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "bert"}')
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04not a pickle")
    return str(folder)


ENCODERS = [
    ("not-an-encoder", _not_an_encoder, "cannot load sentence encoder"),
    ("hub-id-not-pulled", lambda tmp: "sentence-transformers/LaBSE",
     "sentence encoder is not downloaded; run `arsum models pull sentence-transformers/LaBSE`"),
]


@pytest.mark.parametrize(("make", "notice"), [c[1:] for c in ENCODERS], ids=[c[0] for c in ENCODERS])
def test_broken_or_missing_encoder_is_one_notice_and_summaries_print(
    tiny_mt5: Path, tmp_path: Path, make: Callable[[Path], str], notice: str
) -> None:
    from arsum.tasks import support

    support._ENCODERS.clear()
    result = invoke("summarize", "--model", str(tiny_mt5), "--encoder", make(tmp_path), "-", "-f", "jsonl",
                    input=SEED_TEXT + "\n---\n" + SEED_TEXT)
    assert result.exit_code == 0, result.stderr
    line = one_line(result.stderr)
    assert line.startswith("arsum: support scores unavailable:") and notice in line
    releases = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(releases) == 2 and all(r["english_summary"]["sentences"] for r in releases)


# --------------------------------------------------------------------------- 8. config files: depth and size

def _deep_toml(tmp: Path) -> Path:
    path = tmp / "deep.toml"
    path.write_text("a = " + "[" * 100_000 + "]" * 100_000)
    return path


def _sparse(name: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        with path.open("wb") as handle:
            handle.truncate(2 * 1024**3)  # 2 GB, no disk used
        return path

    return make


@pytest.mark.parametrize(("make", "problem"), [(_deep_toml, "nested too deeply"), (_sparse("big.toml"), f"larger than {MAX_CONFIG_BYTES}")],
                         ids=["deep", "sparse-2GB"])
def test_hostile_models_toml_is_one_config_error(tmp_path: Path, make: Callable[[Path], Path], problem: str) -> None:
    path = make(tmp_path)
    with pytest.raises(ConfigError, match=problem):
        load_config(path)
    result = invoke("summarize", str(SEED), "--config", str(path))
    assert result.exit_code == 2 and problem in one_line(result.stderr)


@pytest.mark.parametrize("name", ["config.json", "generation_config.json"])
@pytest.mark.parametrize("kind", ["deep", "sparse-2GB"])
def test_hostile_model_folder_json_is_a_model_notice(tiny_marian: Path, tmp_path: Path, name: str, kind: str) -> None:
    import shutil

    from arsum.models.folders import read_model_config

    folder = tmp_path / "model"
    shutil.copytree(tiny_marian, folder)
    if kind == "deep":
        (folder / name).write_text("[" * 100_000 + "]" * 100_000)
    else:
        _sparse(name)(folder)
    with pytest.raises(ModelUnavailable, match="nested too deeply|larger than|not valid JSON"):
        read_model_config(folder, "m")
    result = invoke("summarize", "--model", str(folder), str(SEED), "-f", "jsonl")
    assert result.exit_code == 0 and "English summary skipped: model " in one_line(result.stderr)
    assert json.loads(result.stdout)["arabic_summary"]


# --------------------------------------------------------------------------- 9. numeric options

NUMERIC = [
    (["--max-bytes", "1e30"], {}, "--max-bytes"),
    (["--max-bytes", str(10**30)], {}, "--max-bytes"),
    (["--min-support", "nan"], {}, "--min-support"),
    (["--ratio", "nan"], {}, "--ratio"),
    ([], {"ARSUM_THREADS": "99999999999"}, "ARSUM_THREADS"),
    ([], {"ARSUM_THREADS": "many"}, "ARSUM_THREADS"),
]


@pytest.mark.parametrize(("args", "env", "name"), NUMERIC, ids=[c[2] + ":" + (c[0] or list(c[1].values()))[-1] for c in NUMERIC])
def test_extreme_numbers_are_refused_with_the_option_name(args: list[str], env: dict[str, str], name: str) -> None:
    result = invoke("summarize", str(SEED), *args, env=env)
    assert result.exit_code == 2, result.stdout
    assert name in result.stderr and "Traceback" not in result.stderr and result.stdout == ""


# --------------------------------------------------------------------------- 10, 11. line endings and encodings

TWO_RELEASES = "خبر أول\n\nجملة أولى هنا. جملة ثانية هنا.\n---\nخبر ثان\n\nنص آخر هنا.\n"


@pytest.mark.parametrize("eol", ["\r\n", "\r"], ids=["CRLF", "CR"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "windows-1256"])
def test_windows_line_endings_split_releases(tmp_path: Path, eol: str, encoding: str) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(TWO_RELEASES.replace("\n", eol).encode(encoding))
    items = list(load_releases([str(path)]))
    assert [r.title for r in items if isinstance(r, Release)] == ["خبر أول", "خبر ثان"], items
    only = tmp_path / "dashes.txt"
    only.write_bytes(f"---{eol}".encode(encoding))
    [err] = load_releases([str(only)])
    assert err.problem == "no release text (only --- separators)"


@pytest.mark.parametrize("eol", ["\r\n", "\r"], ids=["CRLF", "CR"])
def test_windows_line_endings_on_stdin(eol: str) -> None:
    import io

    items = list(load_releases(["-"], stdin=io.BytesIO(TWO_RELEASES.replace("\n", eol).encode())))
    assert [(r.id, r.title) for r in items] == [("stdin#1", "خبر أول"), ("stdin#2", "خبر ثان")]


@pytest.mark.parametrize(("codec", "bom", "name"), [
    ("utf-32-le", b"\xff\xfe\x00\x00", "utf-32-le"), ("utf-32-be", b"\x00\x00\xfe\xff", "utf-32-be"),
    ("utf-16-le", b"", "utf-16-le"), ("utf-16-be", b"", "utf-16-be"),
])
def test_utf32_and_bomless_utf16_are_read(codec: str, bom: bytes, name: str) -> None:
    assert decode_bytes(bom + SEED_TEXT.encode(codec), "x") == (SEED_TEXT, name)
    if not bom:  # Arabic-only UTF-16 has no NUL byte at all
        assert decode_bytes("نص عربي فقط".encode(codec), "x") == ("نص عربي فقط", name)


def test_nul_inside_utf16_is_binary() -> None:
    with pytest.raises(Exception, match="binary file"):
        decode_bytes(("نص" + "\x00" + "عربي").encode("utf-16"), "x")


# --------------------------------------------------------------------------- 12. terminal safety

def test_error_lines_escape_newlines_and_escape_sequences(tmp_path: Path) -> None:
    evil = tmp_path / "a\nb\x1b[2J\rarsum: fake.txt"
    result = invoke("summarize", str(evil), str(SEED), "--no-english", "-f", "jsonl")
    line = one_line(result.stderr)
    assert "\x1b" not in line and "\\x1b[2J" in line and "a\\nb" in line and "\\r" in line


@pytest.mark.parametrize("fmt", ["rich", "text", "markdown"])
def test_human_formats_show_markup_and_escapes_literally(tmp_path: Path, fmt: str) -> None:
    record = {"id": "[link=http://evil]x[/link] [/]", "title": "عنوان [bold]",
              "text": "نص \x1b]8;;http://evil\x07هنا\x1b[31m أحمر.\x9b"}
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = invoke("summarize", "--no-english", "--input-format", "jsonl", "-f", fmt, str(feed))
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\x9b" not in result.stdout
    shown = result.stdout.replace("\\[", "[").replace("\\]", "]")  # markdown escapes brackets (still literal)
    assert "\\x1b[31m" in shown and "[bold]" in shown
    assert ("[link=http://evil]x[/link]" in result.stdout) == (fmt != "markdown") or "`[link" in result.stdout


def test_escape_controls_keeps_text_and_marks_bytes() -> None:
    assert escape_controls("سطر\tواحد\n\x1b\x9b\udcc7", keep="\n") == "سطر\\tواحد\n\\x1b\\x9b\\xc7"


# --------------------------------------------------------------------------- 13. closed and full standard streams

def _closed(fd: int) -> Callable[[], None]:
    return lambda: os.close(fd)


STDOUT_CASES = [
    ("version-full", ["--version"], "full"), ("help-full", ["--help"], "full"),
    ("models-list-json-full", ["models", "list", "-f", "json"], "full"),
    ("models-list-closed", ["models", "list"], "closed"), ("version-closed", ["--version"], "closed"),
    ("summarize-full-buffered", ["summarize", str(SEED), "--no-english"], "full"),
]


@pytest.mark.parametrize(("args", "how"), [c[1:] for c in STDOUT_CASES], ids=[c[0] for c in STDOUT_CASES])
def test_full_or_closed_stdout_is_one_line_exit_2(args: list[str], how: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with open("/dev/full", "w") as full:  # noqa: PTH123
        done = arsum(*args, env=env, stdout=full if how == "full" else subprocess.DEVNULL,
                     preexec_fn=_closed(1) if how == "closed" else None)  # noqa: PLW1509
    assert done.returncode == 2
    assert one_line(done.stderr) in ("arsum: stdout: cannot write (no space left on device)",
                                     "arsum: stdout: is closed; use -o FILE")


def test_closed_stdin_with_files_works_and_without_is_one_line() -> None:
    with_files = arsum("summarize", str(SEED), "--no-english", "-f", "jsonl", preexec_fn=_closed(0))  # noqa: PLW1509
    assert with_files.returncode == 0, with_files.stderr
    assert json.loads(with_files.stdout)["id"].endswith("#1")
    alone = arsum("summarize", "--no-english", preexec_fn=_closed(0))  # noqa: PLW1509
    assert alone.returncode == 1 and "<stdin>: is closed" in one_line(alone.stderr)


def test_closed_stderr_keeps_errors_out_of_stdout(tmp_path: Path) -> None:
    done = arsum("summarize", str(tmp_path / "missing.txt"), str(SEED), "--no-english", "-f", "jsonl",
                 stderr=subprocess.DEVNULL, preexec_fn=_closed(2))  # noqa: PLW1509
    assert done.returncode == 1
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == ["azerbaijan_nato_dialogue.txt#1"]


# --------------------------------------------------------------------------- 14. streaming

def test_text_stdin_streams_each_release() -> None:
    proc = subprocess.Popen([*ARSUM, "summarize", "--no-english", "-f", "jsonl"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write((SEED_TEXT + "\n---\n").encode())
    proc.stdin.flush()
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    assert ready, "nothing printed before the end of stdin"
    assert json.loads(proc.stdout.readline())["id"] == "stdin#1"
    proc.stdin.write(SEED_TEXT.encode())
    proc.stdin.close()
    assert json.loads(proc.stdout.readline())["id"] == "stdin#2"
    assert proc.wait(timeout=60) == 0


def test_a_files_releases_are_parsed_one_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from arsum.text import releases

    parsed = []
    real = releases._parse_one
    monkeypatch.setattr(releases, "_parse_one", lambda *a, **k: parsed.append(1) or real(*a, **k))
    path = tmp_path / "many.txt"
    path.write_text("\n---\n".join([SEED_TEXT] * 50), encoding="utf-8")
    items = load_releases([str(path)])
    assert next(items).id == "many.txt#1" and len(parsed) == 1
    assert len(list(items)) == 49


def test_stdin_without_arabic_anywhere_is_refused_like_a_file() -> None:
    import io

    [err] = load_releases(["-"], stdin=io.BytesIO(b"Title\n\nEnglish.\n---\nMore\n\nEnglish.\n"))
    assert err.problem.startswith("no Arabic text")
    mixed = list(load_releases(["-"], stdin=io.BytesIO(b"Title\n\nEnglish.\n---\n" + SEED_TEXT.encode())))
    assert [r.id for r in mixed] == ["stdin#1", "stdin#2"]


# --------------------------------------------------------------------------- 16. endless JSON lines

def test_endless_json_line_stream_ends() -> None:
    with open("/dev/zero", "rb") as zero:
        done = arsum("summarize", "--no-english", "--input-format", "jsonl", "--max-bytes", "1000", stdin=zero)
    assert done.returncode == 1
    assert "<stdin>:1: line is more than twice the --max-bytes limit of 1000" in one_line(done.stderr)


# --------------------------------------------------------------------------- 17. generation settings from folders

def test_folder_generation_settings_are_capped(tiny_marian: Path, tmp_path: Path) -> None:
    import shutil

    from arsum.models.store import folder_generation_settings

    folder = tmp_path / "model"
    shutil.copytree(tiny_marian, folder)
    (folder / "generation_config.json").write_text(json.dumps({"num_beams": 1e6, "max_new_tokens": 1e9,
                                                              "no_repeat_ngram_size": 1e9}))
    settings = folder_generation_settings(folder)
    assert (settings.num_beams, settings.max_new_tokens, settings.no_repeat_ngram_size) == (
        GENERATION_MAXIMA["num_beams"], GENERATION_MAXIMA["max_new_tokens"], GENERATION_MAXIMA["no_repeat_ngram_size"])


@pytest.mark.parametrize(("key", "value"), [("num_beams", 1_000_000), ("max_new_tokens", 1_000_000_000),
                                            ("length_penalty", "nan")])
def test_configured_generation_beyond_bounds_is_a_config_error(tmp_path: Path, key: str, value: object) -> None:
    path = tmp_path / "models.toml"
    path.write_text(f'[models.m]\nsource = "x/y"\nfamily = "marian"\n[models.m.generation]\n{key} = {value}\n')
    with pytest.raises(ConfigError, match=f"generation.{key}"):
        load_config(path)


def test_max_input_tokens_above_the_models_positions_is_clamped(tiny_marian: Path) -> None:
    from arsum.models.engine import build_engine
    from arsum.models.store import spec_for_folder

    spec = replace(spec_for_folder(tiny_marian, name="m"), max_input_tokens=4096)
    engine = build_engine(spec, device="cpu")
    long = " ".join(["الوزير التقى الوفد في الرياض"] * 200)  # far past the tiny model's 256 positions
    generated = engine.generate([long], replace(spec.generation, num_beams=1, max_new_tokens=4))
    assert engine.max_input_tokens == 256 and generated.truncated == (True,)
    assert "longer than 256 tokens were truncated" in generated.warnings[0]


# --------------------------------------------------------------------------- 18. pull timeouts

def test_pull_from_a_silent_server_times_out(tmp_path: Path) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: [accepted.append(server.accept()[0]) for _ in range(50)], daemon=True).start()
    code = ("from arsum.models.config import load_config\nfrom arsum.models.store import pull\n"
            "pull(load_config(None), 'org/model', timeouts=(1.0, 1.0))\n")
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env["HF_ENDPOINT"] = f"http://127.0.0.1:{server.getsockname()[1]}"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode != 0 and "download of org/model failed: timed out" in done.stderr
    assert accepted and time.monotonic() - started < 100
    server.close()
