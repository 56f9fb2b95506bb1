"""`arsum.cli.output` in-process: every refusal of -o, and the write-then-link that never clobbers a file.

The CLI tests (test_output_paths.py, test_reliability.py) show the same promises through real processes; these
call the module directly, so each rule is pinned where it is written (and mutation testing can see them).
"""

from __future__ import annotations

import errno
import io
import os
import socket
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from arsum.cli import output
from arsum.cli.output import ClosedStdout, GuardedStream, OutputTarget, check_output_path, open_output
from arsum.errors import OutputError


def _refusal(output_path: Path, inputs: list[str], force: bool = True) -> str:
    with pytest.raises(OutputError) as caught:
        check_output_path(output_path, inputs, force)
    return str(caught.value)


@pytest.fixture
def existing(tmp_path: Path) -> Path:
    path = tmp_path / "out.txt"
    path.write_text("old\n", encoding="utf-8")
    return path


# --- check_output_path --------------------------------------------------------------------------------

def test_a_new_file_in_an_existing_folder(tmp_path: Path) -> None:
    target = check_output_path(tmp_path / "new.txt", [], force=False)
    assert target == OutputTarget(tmp_path / "new.txt", tmp_path / "new.txt", in_place=False, replaces=None)


def test_an_existing_file_needs_force(existing: Path) -> None:
    assert _refusal(existing, [], force=False) == f"{existing}: already exists; use --force to replace it"
    target = check_output_path(existing, [], force=True)
    st = existing.stat()
    assert target == OutputTarget(existing, existing, in_place=False,
                                  replaces=(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))


def test_a_link_to_a_file_is_written_through_to_that_file(existing: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.txt"
    link.symlink_to(existing)
    target = check_output_path(link, [], force=True)
    assert (target.shown, target.path, target.in_place) == (link, existing, False)


@pytest.mark.parametrize(("make", "problem"), [
    (lambda p: p.mkdir(), "is a directory"),
    (lambda p: p.symlink_to(p.parent / "missing.txt"), "is a symbolic link to a missing file; give the file's own path"),
    (lambda p: socket.socket(socket.AF_UNIX).bind(str(p)),
     "is not a regular file, terminal or pipe; arsum does not write to it"),
], ids=["folder", "dangling-link", "socket"])
def test_what_is_no_file_is_refused(tmp_path: Path, make: Callable[[Path], object], problem: str) -> None:
    path = tmp_path / "o"
    make(path)
    assert _refusal(path, []) == f"{path}: {problem}"


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "out.txt"
    assert _refusal(path, [], force=False) == f"{path}: folder {tmp_path / 'nope'} does not exist"


def test_a_fifo_and_a_device_are_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path in (fifo, Path(os.devnull)):
        assert check_output_path(path, [], force=False) == OutputTarget(path, path, in_place=True, replaces=None)


@pytest.mark.parametrize("spelling", ["same", "dot", "absolute", "symlink", "hardlink", "folder"])
def test_an_input_is_never_the_output(existing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      spelling: str) -> None:
    monkeypatch.chdir(tmp_path)
    given = {"same": "out.txt", "dot": "./out.txt", "absolute": str(existing), "folder": str(tmp_path)}
    if spelling == "symlink":
        (tmp_path / "alias.txt").symlink_to(existing)
        given[spelling] = "alias.txt"
    if spelling == "hardlink":
        os.link(existing, tmp_path / "twin.txt")
        given[spelling] = "twin.txt"
    shown = str(existing) if spelling == "folder" else given[spelling]
    assert _refusal(Path("out.txt"), ["elsewhere.txt", given[spelling]]) == \
        f"out.txt: is the same file as input {shown}; refusing to overwrite it"


@pytest.mark.parametrize("inputs", [[], ["-"]], ids=["no-paths", "dash"])
def test_stdin_read_from_the_output_is_refused(existing: Path, monkeypatch: pytest.MonkeyPatch,
                                               inputs: list[str]) -> None:
    with existing.open(encoding="utf-8") as stdin:
        monkeypatch.setattr(sys, "stdin", stdin)
        assert _refusal(existing, inputs) == f"{existing}: is the same file as stdin; refusing to overwrite it"
        other = existing.with_name("other.txt")
        other.write_text("x", encoding="utf-8")
        assert check_output_path(existing, [str(other)], force=True).replaces is not None  # stdin not read: fine


def test_stdin_that_is_no_file_is_no_input(existing: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("نص"))  # no descriptor: nothing to compare
    assert check_output_path(existing, ["-"], force=True).path == existing


def test_inputs_that_do_not_exist_are_skipped(existing: Path) -> None:
    assert check_output_path(existing, [str(existing.with_name("missing.txt"))], force=True).path == existing


# --- open_output ----------------------------------------------------------------------------------------

def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def _failing(code: int) -> Callable[..., None]:
    """A stand-in for an os call that fails with `code` (its message as the OS words it)."""

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    return fail


def test_a_new_file_appears_only_when_the_run_finishes(tmp_path: Path) -> None:
    path = tmp_path / "new.txt"
    with open_output(check_output_path(path, [], force=False)) as stream:
        stream.write("نتيجة\n")
        assert not path.exists()
    assert path.read_text(encoding="utf-8") == "نتيجة\n" and _leftovers(tmp_path) == []


def test_a_failed_run_leaves_nothing_and_keeps_the_old_file(existing: Path) -> None:
    os.chmod(existing, 0o640)
    with pytest.raises(KeyboardInterrupt), open_output(check_output_path(existing, [], force=True)) as stream:
        stream.write("half")
        raise KeyboardInterrupt
    assert existing.read_text(encoding="utf-8") == "old\n" and _leftovers(existing.parent) == []
    with open_output(check_output_path(existing, [], force=True)) as stream:
        stream.write("new\n")
    assert existing.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640  # --force keeps the replaced file's mode


def test_a_new_file_gets_the_mode_open_would_give(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        with open_output(check_output_path(tmp_path / "new.txt", [], force=False)) as stream:
            stream.write("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640


def test_a_file_that_appears_during_the_run_is_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "new.txt"
    target = check_output_path(path, [], force=False)
    with pytest.raises(OutputError, match="appeared while arsum was running; not replaced"), \
            open_output(target) as stream:
        stream.write("ours")
        path.write_text("theirs", encoding="utf-8")
    assert path.read_text(encoding="utf-8") == "theirs" and _leftovers(tmp_path) == []


@pytest.mark.parametrize("change", ["rewritten", "linked"])
def test_a_forced_file_changed_during_the_run_is_not_replaced(existing: Path, change: str) -> None:
    target = check_output_path(existing, [], force=True)
    with pytest.raises(OutputError, match=f"^{existing}: was replaced or removed while arsum was running; not replaced$"), \
            open_output(target) as stream:
        stream.write("ours")
        if change == "rewritten":
            existing.write_text("theirs, longer", encoding="utf-8")
        else:
            moved = existing.with_name("moved.txt")
            existing.rename(moved)
            existing.symlink_to(moved)
    assert existing.read_text(encoding="utf-8") in ("theirs, longer", "old\n")


def test_a_forced_file_removed_during_the_run_is_written_anew(existing: Path) -> None:
    with open_output(check_output_path(existing, [], force=True)) as stream:
        stream.write("ours")
        existing.unlink()
    assert existing.read_text(encoding="utf-8") == "ours"


@pytest.mark.parametrize("code", [errno.EPERM, errno.EXDEV, errno.ENOSYS])
def test_without_hard_links_the_file_is_renamed_into_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           code: int) -> None:
    monkeypatch.setattr(output.os, "link", _failing(code))
    path = tmp_path / "new.txt"
    with open_output(check_output_path(path, [], force=False)) as stream:
        stream.write("ours")
    assert path.read_text(encoding="utf-8") == "ours" and _leftovers(tmp_path) == []
    other = tmp_path / "other.txt"
    with pytest.raises(OutputError, match="appeared while arsum was running"), \
            open_output(check_output_path(other, [], force=False)) as stream:
        other.write_text("theirs", encoding="utf-8")
    assert other.read_text(encoding="utf-8") == "theirs"


@pytest.mark.parametrize(("call", "code", "reason"), [
    ("link", errno.EACCES, "permission denied"),  # not one of the "no hard links here" errors
    ("fsync", errno.EIO, "input/output error"),
])
def test_a_failing_link_or_fsync_is_one_line_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                call: str, code: int, reason: str) -> None:
    monkeypatch.setattr(output.os, call, _failing(code))
    path = tmp_path / "new.txt"
    with pytest.raises(OutputError, match=f"^{path}: cannot write \\({reason}\\)$"), \
            open_output(check_output_path(path, [], force=False)) as stream:
        stream.write("x")
    assert not path.exists() and _leftovers(tmp_path) == []


def test_no_room_for_the_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tempfile.mkstemp", _failing(errno.ENOSPC))
    path = tmp_path / "new.txt"
    with pytest.raises(OutputError, match=f"^{path}: cannot write in {tmp_path} \\(no space left on device\\)$"), \
            open_output(check_output_path(path, [], force=False)):
        pass


def test_in_place_targets_append_and_say_why_they_cannot_be_opened(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_text("kept\n", encoding="utf-8")
    with open_output(OutputTarget(log, log, in_place=True, replaces=None)) as stream:
        stream.write("added\n")
    assert log.read_text(encoding="utf-8") == "kept\nadded\n"
    missing = tmp_path / "no" / "pipe"
    with pytest.raises(OutputError, match=f"^{missing}: cannot write \\(no such file or directory\\)$"), \
            open_output(OutputTarget(missing, missing, in_place=True, replaces=None)):
        pass


def test_stdout_is_guarded_and_a_closed_one_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stdout", buffer)
    with open_output(None) as stream:
        stream.write("x")
    assert buffer.getvalue() == "x"
    for closed in (None, GuardedStream(ClosedStdout(), "stdout")):  # type: ignore[arg-type]
        monkeypatch.setattr(sys, "stdout", closed)
        with pytest.raises(OutputError, match=r"^stdout: is closed; use -o FILE$"), open_output(None):
            pass
    with pytest.raises(OutputError, match=r"^stdout: is closed; use -o FILE$"):
        ClosedStdout().write("x")


# --- GuardedStream ----------------------------------------------------------------------------------------

class Failing(io.StringIO):
    def __init__(self, error: OSError) -> None:
        super().__init__()
        self.error = error

    def write(self, text: str) -> int:
        raise self.error

    def flush(self) -> None:
        raise self.error


@pytest.mark.parametrize("method", ["write", "flush"])
def test_write_failures_become_one_line_and_broken_pipes_pass(method: str) -> None:
    stream = GuardedStream(Failing(OSError(errno.ENOSPC, "No space left on device")), "out.txt")  # type: ignore[arg-type]
    call = (lambda s: s.write("x")) if method == "write" else (lambda s: s.flush())
    with pytest.raises(OutputError, match=r"^out.txt: cannot write \(no space left on device\)$"):
        call(stream)
    assert stream.failed
    piped = GuardedStream(Failing(BrokenPipeError(errno.EPIPE, "Broken pipe")), "stdout")  # type: ignore[arg-type]
    with pytest.raises(BrokenPipeError):
        call(piped)
    assert not piped.failed


def test_guarded_stream_passes_everything_else_through() -> None:
    inner = io.StringIO()
    stream = GuardedStream(inner, "stdout")
    assert stream.write("abc") == 3
    assert stream.getvalue() == "abc" and stream.isatty() is False and not stream.closed_stdout
    assert ClosedStdout().isatty() is False
    ClosedStdout().flush()


def test_an_unreadable_input_folder_does_not_stop_the_check(existing: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "releases"
    folder.mkdir()

    monkeypatch.setattr(output.os, "scandir", _failing(errno.EACCES))  # reading it fails later, with its own one-line error
    assert check_output_path(existing, [str(folder)], force=True).path == existing
