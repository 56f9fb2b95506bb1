"""`models import` and `models export` as a hostile user would try them: every archive or folder below is built
to write, delete, fill or lie, and each must end in one `arsum:` line, a non-zero exit, nothing installed and
nothing outside the cache touched. Written from the promise (README, install.py's docstring), not from a bug."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arsum.cli.app import app
from arsum.models.store import hub_cache_dir

pytest.importorskip("ctranslate2")

runner = CliRunner()
COMMIT = "89abcdef0123456789abcdef0123456789abcdef"
HUB_ID = "tiny-org/tiny-marian"


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "models.toml"
    path.write_text(
        f'[models.tiny-ar-en]\nsource = "{HUB_ID}"\nfamily = "marian"\ntasks = ["translate"]\nlanguages = ["ar", "en"]\n'
        'src_lang = "ar"\ntgt_lang = "en"\n[models.tiny-ar-en.generation]\nnum_beams = 1\nmax_new_tokens = 8\n'
        '[models.big-ar-en]\nsource = "big-org/big-marian"\nfamily = "marian"\ntasks = ["translate"]\n'
        'download_mb = 490\n'
        '[models.tiny-sum]\nsource = "tiny-org/tiny-mt5"\nfamily = "mt5"\ntasks = ["summarize"]\n'
        '[routing.translate]\nen = "tiny-ar-en"\ndefault = "tiny-ar-en"\n[routing.summarize]\nenglish = "tiny-sum"\n'
        'english_summarizer = "tiny-sum"\n',
        encoding="utf-8",
    )
    return path


def model_files(folder: Path) -> dict[str, bytes]:
    return {f"model/{p.name}": p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def manifest_for(contents: dict[str, bytes], **fields: object) -> dict[str, object]:
    manifest: dict[str, object] = {
        "format": "arsum-model-archive/1", "name": "tiny-ar-en", "source": HUB_ID, "revision": "main",
        "commit": COMMIT, "license": None, "catalogue": {},
        "files": {name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()} for name, data in contents.items()},
    }
    manifest.update(fields)
    return manifest


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, io.BytesIO]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, io.BytesIO(data)


def write_archive(path: Path, files: dict[str, bytes], manifest: object, extra: list[tarfile.TarInfo] = (),
                  manifest_bytes: bytes | None = None) -> Path:
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in files.items():
            tar.addfile(*_file(name, data))
        for info in extra:
            tar.addfile(info, io.BytesIO(b"x" * info.size) if info.isreg() and not info.issparse() else None)
        tar.addfile(*_file("arsum-manifest.json", manifest_bytes if manifest_bytes is not None
                           else json.dumps(manifest).encode()))
    return path


def special(name: str, kind: bytes, **attrs: object) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    for key, value in attrs.items():
        setattr(info, key, value)
    return info


def victim(tmp_path: Path) -> Path:
    folder = tmp_path / "home" / ".ssh"
    folder.mkdir(parents=True)
    (folder / "authorized_keys").write_text("the user's key\n", encoding="utf-8")
    return folder


Build = Callable[[Path, dict[str, bytes], Path], Path]


def _manifest_case(**fields: object) -> Build:
    return lambda archive, files, target: write_archive(archive, files, manifest_for(files, **fields))


HOSTILE_ARCHIVES: list[tuple[str, Build, str]] = [
    ("commit climbs out of the cache", lambda a, f, v: write_archive(a, f, manifest_for(
        f, commit="../../../../../../../../../../../../" + str(v).lstrip("/"))), "commit is not a commit"),
    ("commit is an absolute path", lambda a, f, v: write_archive(a, f, manifest_for(f, commit=str(v))),
     "commit is not a commit"),
    ("commit is a list", _manifest_case(commit=["a"]), "commit is not a commit"),
    ("commit is short hex", _manifest_case(commit="abc123"), "commit is not a commit"),
    ("name is a table", _manifest_case(name={"x": 1}), "name is not a model name"),
    ("source climbs", _manifest_case(source="../../etc"), "source is not a hub id"),
    ("source has three parts", _manifest_case(source="a/../b"), "source is not a hub id"),
    ("source is a number", _manifest_case(source=7), "source is not a hub id"),
    ("files is a list", _manifest_case(files=["model/config.json"]), "files is not a table of files"),
    ("nested a million deep", lambda a, f, v: write_archive(a, f, None, manifest_bytes=(
        b'{"format": "arsum-model-archive/1", "catalogue": ' + b"[" * 200_000 + b"]" * 200_000 + b"}")),
     "nested too deeply"),
    ("manifest over the size cap", lambda a, f, v: write_archive(a, f, None, manifest_bytes=b" " * 5_000_000),
     "arsum-manifest.json is not a regular file of at most"),
    ("manifest is not JSON", lambda a, f, v: write_archive(a, f, None, manifest_bytes=b"\xff\xfe{"), "not valid JSON"),
    ("key climbs out", lambda a, f, v: write_archive(a, f, manifest_for({**f, "model/../../x": b"x"})),
     "is not a path under model/"),
    ("key is absolute", lambda a, f, v: write_archive(a, f, manifest_for({**f, str(v / "k"): b"x"})),
     "is not a path under model/"),
    ("member climbs out", lambda a, f, v: write_archive(a, f, manifest_for(f), [special(
        "model/../../evil", tarfile.REGTYPE, size=1)]), "unexpected entry"),
    ("absolute member", lambda a, f, v: write_archive(a, f, manifest_for(f), [special(
        str(v / "x"), tarfile.REGTYPE, size=1)]), "unexpected entry"),
    ("member with a dot part", lambda a, f, v: write_archive(a, f, manifest_for(f), [special(
        "model/./x", tarfile.REGTYPE, size=1)]), "unexpected entry"),
    ("symbolic link", lambda a, f, v: write_archive(a, f, manifest_for(f), [special(
        "model/link", tarfile.SYMTYPE, linkname=str(v / "authorized_keys"))]), "is a link"),
    ("hard link", lambda a, f, v: write_archive(a, f, manifest_for(f), [special(
        "model/hard", tarfile.LNKTYPE, linkname="model/config.json")]), "is a link"),
    ("character device", lambda a, f, v: write_archive(a, f, manifest_for(f), [special(
        "model/null", tarfile.CHRTYPE, devmajor=1, devminor=3)]), "is a device"),
    ("fifo", lambda a, f, v: write_archive(a, f, manifest_for(f), [special("model/pipe", tarfile.FIFOTYPE)]),
     "is a device"),
    ("folder entry", lambda a, f, v: write_archive(a, f, manifest_for(f), [special("model/sub", tarfile.DIRTYPE)]),
     "is a folder"),
    ("unlisted file", lambda a, f, v: write_archive(a, {**f, "model/extra.py": b"import os"}, manifest_for(f)),
     "model/extra.py is not in the manifest"),
    ("listed file missing", lambda a, f, v: write_archive(a, dict(list(f.items())[1:]), manifest_for(f)),
     "is missing"),
    ("size differs from the manifest", lambda a, f, v: write_archive(a, {**f, "model/config.json": f[
        "model/config.json"] + b" "}, manifest_for(f)), "checksum mismatch for model/config.json"),
    ("same bytes count, other bytes", lambda a, f, v: write_archive(a, {**f, "model/config.json": f[
        "model/config.json"][:-1] + b" "}, manifest_for(f)), "checksum mismatch for model/config.json"),
    ("member twice", lambda a, f, v: write_archive(a, f, manifest_for(f), [special(
        "model/config.json", tarfile.REGTYPE, size=3)]), "appears twice"),
    ("member declares 300 GB", lambda a, f, v: _declare(write_archive(a, f, manifest_for(f), [special(
        "model/huge.bin", tarfile.REGTYPE, size=0)]), "model/huge.bin", 300 * 10**9), "larger than any model file"),
    ("bad sha256", lambda a, f, v: write_archive(a, f, manifest_for(f, files={
        name: {"size": len(d), "sha256": "zz"} for name, d in f.items()})), "has no valid size and sha256"),
    ("size is true", lambda a, f, v: write_archive(a, f, manifest_for(f, files={
        name: {"size": True, "sha256": hashlib.sha256(d).hexdigest()} for name, d in f.items()})),
     "has no valid size and sha256"),
]


def _declare(archive: Path, name: str, size: int) -> Path:
    """Rewrite one member's header to declare `size` bytes (the data is not there: a bomb's header)."""
    data = bytearray(archive.read_bytes())
    offset = 0
    while offset < len(data):
        header = data[offset:offset + 512]
        if header[:len(name)] == name.encode() and header[len(name)] == 0:
            header[124:136] = b"\x80" + size.to_bytes(11, "big")  # GNU base-256 size field
            header[148:156] = b" " * 8
            header[148:156] = b"%06o\0 " % sum(header)
            data[offset:offset + 512] = header
            break
        declared = tarfile.nti(bytes(header[124:136])) if any(header) else 0
        offset += 512 + (declared + 511) // 512 * 512
    archive.write_bytes(bytes(data))
    return archive


def assert_refused(result, source: Path, message: str) -> None:
    assert result.exit_code in (1, 2), (result.exit_code, result.stdout, result.stderr)
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"arsum: {source}"), line
    assert message in line, line
    assert "internal error" not in line and "Traceback" not in result.stderr


def assert_nothing_installed(*untouched: Path) -> None:
    hub = hub_cache_dir()
    assert not hub.exists() or [p for p in hub.rglob("*")] == [], list(hub.rglob("*"))
    for folder in untouched:
        assert (folder / "authorized_keys").read_text(encoding="utf-8") == "the user's key\n"


@pytest.mark.parametrize(("case", "build", "message"), HOSTILE_ARCHIVES, ids=[c[0] for c in HOSTILE_ARCHIVES])
def test_hostile_archive_is_refused_before_anything_is_installed(case: str, build: Build, message: str,
                                                                  tiny_marian: Path, config: Path,
                                                                  tmp_path: Path) -> None:
    target = victim(tmp_path)
    archive = build(tmp_path / "evil.tar", model_files(tiny_marian), target)
    result = run("models", "import", str(archive), "--config", str(config))
    assert_refused(result, archive, message)
    assert_nothing_installed(target)


def test_a_sparse_bomb_writes_nothing(tiny_marian: Path, config: Path, tmp_path: Path) -> None:
    files = model_files(tiny_marian)
    archive = write_archive(tmp_path / "bomb.tar", files, manifest_for(files))
    raw = archive.read_bytes()
    bomb = tmp_path / "sparse.tar"
    with tarfile.open(bomb, "w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo("model/huge.bin")
        info.size = 0
        tar.addfile(info, io.BytesIO(b""))
    header = bytearray(bomb.read_bytes()[:512])
    header[156:157] = b"S"  # GNU sparse: one map entry at 100 GiB, real size 100 GiB, no data stored
    header[386:398] = b"%011o\0" % (100 * 2**30)
    header[398:410] = b"%011o\0" % 0
    header[483:495] = b"%011o\0" % (100 * 2**30)
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    bomb.write_bytes(bytes(header) + raw)
    with tarfile.open(bomb) as tar:
        assert tar.getmembers()[0].issparse()  # the bomb is what it claims to be
    result = run("models", "import", str(bomb), "--config", str(config))
    assert_refused(result, bomb, "is a sparse file")
    assert_nothing_installed()


def test_a_pax_sparse_bomb_writes_nothing(tiny_marian: Path, config: Path, tmp_path: Path) -> None:
    """The POSIX (PAX 1.0) spelling of a sparse file: a 513-byte member that extracts to 100 GiB."""
    files = model_files(tiny_marian)
    info = tarfile.TarInfo("model/huge.bin")
    info.pax_headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": "model/huge.bin",
                        "GNU.sparse.realsize": str(100 * 2**30)}
    data = (b"1\n" + str(100 * 2**30 - 1).encode() + b"\n1\n").ljust(512, b"\0") + b"x"
    info.size = len(data)
    bomb = tmp_path / "pax-sparse.tar"
    with tarfile.open(bomb, "w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(info, io.BytesIO(data))
        for name, content in files.items():
            tar.addfile(*_file(name, content))
        tar.addfile(*_file("arsum-manifest.json", json.dumps(manifest_for(files)).encode()))
    with tarfile.open(bomb) as tar:
        assert tar.getmembers()[0].issparse()
    result = run("models", "import", str(bomb), "--config", str(config))
    assert_refused(result, bomb, "is a sparse file")
    assert_nothing_installed()


def unpack(archive_files: dict[str, bytes], manifest: object, folder: Path) -> Path:
    for name, data in archive_files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (folder / "arsum-manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def _unpacked_with(change: Callable[[Path, Path], None]) -> Callable[[Path, dict[str, bytes], Path], Path]:
    def build(folder: Path, files: dict[str, bytes], target: Path) -> Path:
        unpack(files, manifest_for(files), folder)
        change(folder, target)
        return folder
    return build


HOSTILE_FOLDERS: list[tuple[str, Callable[[Path, dict[str, bytes], Path], Path], str]] = [
    ("a weight altered after export", _unpacked_with(lambda f, v: (f / "model" / "model.safetensors").write_bytes(
        b"\0" + (f / "model" / "model.safetensors").read_bytes()[1:])), "checksum mismatch for model/model.safetensors"),
    ("an unlisted file", _unpacked_with(lambda f, v: (f / "model" / "evil.py").write_text("x")),
     "model/evil.py is not in the manifest"),
    ("an unlisted top-level file", _unpacked_with(lambda f, v: (f / "run.sh").write_text("x")),
     "run.sh is not in the manifest"),
    ("a listed file replaced by a link", _unpacked_with(lambda f, v: (
        (f / "model" / "vocab.json").unlink(), (f / "model" / "vocab.json").symlink_to(v / "authorized_keys"))),
     "model/vocab.json is a symbolic link"),
    ("a fifo", _unpacked_with(lambda f, v: os.mkfifo(f / "model" / "pipe")), "model/pipe is a device"),
    ("commit climbs out", lambda folder, files, v: unpack(files, manifest_for(files, commit=f"../../../{v}"), folder),
     "commit is not a commit"),
    ("a listed file missing", _unpacked_with(lambda f, v: (f / "model" / "vocab.json").unlink()),
     "model/vocab.json is missing"),
]


@pytest.mark.parametrize(("case", "build", "message"), HOSTILE_FOLDERS, ids=[c[0] for c in HOSTILE_FOLDERS])
def test_hostile_unpacked_archive_is_held_to_the_tar_rules(case: str, build: Callable, message: str,
                                                           tiny_marian: Path, config: Path, tmp_path: Path) -> None:
    target = victim(tmp_path)
    folder = build(tmp_path / "unpacked", model_files(tiny_marian), target)
    result = run("models", "import", str(folder), "--config", str(config))
    assert_refused(result, folder, message)
    assert_nothing_installed(target)


def test_a_plain_folder_holding_a_fifo_is_refused_unread(tiny_marian: Path, config: Path, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "plain"
    shutil.copytree(tiny_marian, folder)
    os.mkfifo(folder / "weights.pipe")  # opening it to copy would block for ever
    result = run("models", "import", str(folder), "--name", "tiny-ar-en", "--config", str(config))
    assert_refused(result, folder, "weights.pipe is a device or other special file")
    assert_nothing_installed()


@pytest.mark.parametrize(("source", "message"), [("/dev/zero", "not a regular file or folder"),
                                                  ("/nonexistent/model.tar", "no such file or folder")])
def test_import_of_something_that_is_not_an_archive(source: str, message: str, config: Path) -> None:
    if not os.path.exists("/dev/zero") and source == "/dev/zero":
        pytest.skip("no /dev/zero here")
    result = run("models", "import", source, "--config", str(config))
    assert_refused(result, Path(source), message)


def test_a_valid_archive_installs_under_its_commit(tiny_marian: Path, config: Path, tmp_path: Path) -> None:
    """The control for the table above: the same builder, unaltered, installs."""
    files = model_files(tiny_marian)
    archive = write_archive(tmp_path / "good.tar", files, manifest_for(files))
    result = run("models", "import", str(archive), "--no-convert", "--config", str(config))
    assert result.exit_code == 0, result.stderr
    snapshot = Path(result.stdout.strip())
    assert snapshot == hub_cache_dir() / "models--tiny-org--tiny-marian" / "snapshots" / COMMIT
    assert (snapshot.parents[1] / "refs" / "main").read_text(encoding="utf-8") == COMMIT


def test_a_folder_with_no_commit_records_none(tiny_marian: Path, config: Path, tmp_path: Path) -> None:
    """No sha1-of-the-hub-id stand-in: a model whose snapshot nobody stated has `commit: null` in every record."""
    from conftest import REPO_ROOT

    result = run("models", "import", str(tiny_marian), "--name", "tiny-ar-en", "--no-convert", "--config", str(config))
    assert result.exit_code == 0, result.stderr
    snapshot = Path(result.stdout.strip())
    assert snapshot.parent.name == "snapshots" and len(snapshot.name) != 40
    seed = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
    translated = run("translate", str(seed), "--no-support", "--config", str(config), "-f", "json")
    assert translated.exit_code == 0, translated.stderr
    [record] = json.loads(translated.stdout)
    [model] = record["run"]["models"]
    assert model["source"] == HUB_ID and model["commit"] is None


@pytest.mark.parametrize(
    ("folder", "name", "message"),
    [
        ("tiny_mt5", "tiny-ar-en", "is a mt5 model, not marian as model tiny-ar-en is"),
        ("tiny_marian", "big-ar-en", "but model big-ar-en is about 490 MB: not that model"),
        ("tiny_marian", "not a name!", "--name not a name!: not a configured model"),
    ],
)
def test_a_folder_is_not_installed_as_a_model_it_is_not(folder: str, name: str, message: str, config: Path,
                                                        request: pytest.FixtureRequest) -> None:
    source = request.getfixturevalue(folder)
    result = run("models", "import", str(source), "--name", name, "--no-convert", "--config", str(config))
    assert result.exit_code in (1, 2)
    [line] = result.stderr.strip().splitlines()
    assert message in line, line
    assert_nothing_installed()


@pytest.mark.parametrize(
    ("folder", "languages", "drop", "refused"),
    [
        ("tiny_nllb", '["ar", "en", "fr"]', None, None),
        ("tiny_nllb", '["ar", "en", "fr"]', "fra_Latn", "has no token for fr"),
        ("tiny_mt5", '["ar", "en"]', None, None),
        ("tiny_mt5", '["ar", "en", "fr"]', None, "has no token for fr"),
        ("tiny_mt5", '["ar", "en"]', "langid_map", "has no token for ar, en"),
    ],
)
def test_the_vocabulary_must_hold_the_languages_the_catalogue_names(
        folder: str, languages: str, drop: str | None, refused: str | None, tmp_path: Path,
        tiny_models: dict[str, Path]) -> None:
    import shutil

    family = {"tiny_nllb": "nllb", "tiny_mt5": "mt5"}[folder]
    copy = tmp_path / "model"
    shutil.copytree(tiny_models[family], copy)
    if drop == "langid_map":
        settings = json.loads((copy / "config.json").read_text(encoding="utf-8"))
        del settings["task_specific_params"]
        (copy / "config.json").write_text(json.dumps(settings), encoding="utf-8")
    elif drop:
        tokenizer = json.loads((copy / "tokenizer_config.json").read_text(encoding="utf-8"))
        tokenizer["extra_special_tokens"] = [t for t in tokenizer["extra_special_tokens"] if t != drop]
        (copy / "tokenizer_config.json").write_text(json.dumps(tokenizer), encoding="utf-8")
    catalogue = tmp_path / "claims.toml"
    catalogue.write_text(f'[models.claimed]\nsource = "org/claimed"\nfamily = "{family}"\nlanguages = {languages}\n',
                         encoding="utf-8")
    result = run("models", "import", str(copy), "--name", "claimed", "--no-convert", "--config", str(catalogue))
    if refused is None:
        assert result.exit_code == 0, result.stderr
        return
    assert_refused(result, copy, refused)
    assert_nothing_installed()


def test_name_is_used_and_a_claim_against_the_path_is_refused(tiny_marian: Path, config: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "usb" / "models--tiny-org--tiny-marian" / "snapshots" / COMMIT
    shutil.copytree(tiny_marian, copy)
    lying = run("models", "import", str(copy), "--name", "tiny-sum", "--no-convert", "--config", str(config))
    assert_refused(lying, copy, "is tiny-org/tiny-marian, not tiny-org/tiny-mt5 (model tiny-sum)")
    assert_nothing_installed()
    named = run("models", "import", str(tiny_marian), "--name", "tiny-ar-en", "--no-convert", "--config", str(config))
    assert named.exit_code == 0, named.stderr
    listed = {m["name"]: m["state"] for m in json.loads(run("models", "list", "--config", str(config), "-f", "json").stdout)}
    assert listed["tiny-ar-en"] == "downloaded" and listed["tiny-sum"] == "not downloaded"


def test_an_archive_inside_what_the_import_replaces_is_refused(tiny_marian: Path, config: Path, tmp_path: Path) -> None:
    files = model_files(tiny_marian)
    first = write_archive(tmp_path / "good.tar", files, manifest_for(files))
    assert run("models", "import", str(first), "--no-convert", "--config", str(config)).exit_code == 0
    snapshot = hub_cache_dir() / "models--tiny-org--tiny-marian" / "snapshots" / COMMIT
    inside = snapshot / "again.tar"
    inside.write_bytes(first.read_bytes())
    result = run("models", "import", str(inside), "--no-convert", "--config", str(config))
    assert_refused(result, inside, "which the import replaces")
    assert inside.read_bytes() == first.read_bytes()


def test_disk_full_while_importing_names_the_cache(tiny_marian: Path, config: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from arsum.models import archive as archive_module

    files = model_files(tiny_marian)
    good = write_archive(tmp_path / "good.tar", files, manifest_for(files))

    class Full(io.BytesIO):
        def write(self, data: bytes) -> int:  # type: ignore[override]
            raise OSError(errno.ENOSPC, "No space left on device")

    def full_open(path: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        return Full() if "x" in mode or "w" in mode else open(path, mode, *args, **kwargs)

    monkeypatch.setattr(archive_module, "open", full_open, raising=False)
    result = run("models", "import", str(good), "--no-convert", "--config", str(config))
    assert result.exit_code != 0
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"arsum: {hub_cache_dir()}: cannot write") and "no space left on device" in line, line
    assert "cannot read" not in line
    assert_nothing_installed()


@pytest.mark.parametrize("kind", ["archive", "folder"])
def test_a_model_larger_than_the_free_space_is_refused_before_writing(kind: str, tiny_marian: Path, config: Path,
                                                                      tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    from collections import namedtuple

    from arsum.models import archive as archive_module

    files = model_files(tiny_marian)
    source = write_archive(tmp_path / "good.tar", files, manifest_for(files)) if kind == "archive" else tiny_marian
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(archive_module.shutil, "disk_usage", lambda path: usage(10**6, 10**6 - 1000, 1000))
    try:
        result = run("models", "import", str(source), "--name", "tiny-ar-en", "--no-convert", "--config", str(config))
    finally:
        monkeypatch.setattr(archive_module.shutil, "disk_usage", shutil.disk_usage)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"arsum: {hub_cache_dir()}: the model needs ") and "is free; nothing was installed" in line
    assert_nothing_installed()


def test_install_lock_is_exclusive(tmp_path: Path) -> None:
    import subprocess

    from arsum.models.install import install_lock

    probe = ("import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR)\n"
             "try:\n    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept OSError:\n    sys.exit(3)\n")
    with install_lock():
        lock = next((Path(os.environ["XDG_CACHE_HOME"]) / "arsum").glob("*.lock"))
        held = subprocess.run([sys.executable, "-c", probe, str(lock)], check=False)
    free = subprocess.run([sys.executable, "-c", probe, str(lock)], check=False)
    assert (held.returncode, free.returncode) == (3, 0)


# --- export -o ----------------------------------------------------------------------------------------------

@pytest.fixture
def installed(tiny_marian: Path, config: Path, tmp_path: Path) -> Path:
    files = model_files(tiny_marian)
    archive = write_archive(tmp_path / "source.tar", files, manifest_for(files))
    result = run("models", "import", str(archive), "--no-convert", "--config", str(config))
    assert result.exit_code == 0, result.stderr
    return Path(result.stdout.strip())


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("weights", "is inside the model folder"),
        ("beside the weights", "is inside the model folder"),
        ("hard link to the weights", "is the model's own file"),
        ("folder", "is a directory"),
        ("link", "is a symbolic link"),
        ("missing parent", "does not exist"),
        ("fifo", "is not a regular file"),
        ("existing", "already exists; pass --force"),
    ],
)
def test_export_output_gets_summarize_o_protections(where: str, message: str, installed: Path, config: Path,
                                                     tmp_path: Path) -> None:
    weights = installed / "model.safetensors"
    before = weights.read_bytes()
    targets = {"weights": weights, "beside the weights": installed / "model.tar",
               "hard link to the weights": tmp_path / "hard.tar", "folder": tmp_path, "link": tmp_path / "link.tar",
               "missing parent": tmp_path / "no" / "such" / "x.tar", "fifo": tmp_path / "pipe",
               "existing": tmp_path / "existing.tar"}
    output = targets[where]
    if where == "link":
        output.symlink_to(weights)
    elif where == "hard link to the weights":
        os.link(weights, output)
    elif where == "fifo":
        os.mkfifo(output)
    elif where == "existing":
        output.write_bytes(b"the user's file")
    force = ["--force"] if where != "existing" else []
    result = run("models", "export", "tiny-ar-en", "-o", str(output), *force, "--config", str(config))
    assert result.exit_code == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"arsum: {output}") and message in line, line
    assert weights.read_bytes() == before
    assert not (tmp_path / "no").exists()
    if where == "fifo":
        assert stat.S_ISFIFO(output.lstat().st_mode)
    if where == "existing":
        assert output.read_bytes() == b"the user's file"
    assert not [p for p in tmp_path.glob(".*.part")] and not [p for p in installed.glob(".*")]
    assert not (installed / "model.tar").exists()


def test_export_refuses_a_device(installed: Path, config: Path, tmp_path: Path) -> None:
    """A device node is never replaced. The node is this test's own (a copy of /dev/null's numbers made in
    tmp_path), never the system's: a regression must not be able to replace /dev/null on the machine (CI is root)."""
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError) as error:
        pytest.skip(f"cannot make a device node here ({error})")
    result = run("models", "export", "tiny-ar-en", "-o", str(device), "--force", "--config", str(config))
    assert result.exit_code == 2 and "is not a regular file" in result.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_export_of_a_local_model_names_the_route_that_works(tiny_marian: Path, tmp_path: Path) -> None:
    local = tmp_path / "local.toml"
    local.write_text(f'[models.mine]\nsource = "{tiny_marian}"\nfamily = "marian"\n', encoding="utf-8")
    result = run("models", "export", "mine", "-o", str(tmp_path / "mine.tar"), "--config", str(local))
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "-m FOLDER" in line and "models import FOLDER --name" in line
    assert not (tmp_path / "mine.tar").exists()


def test_export_with_force_replaces_a_regular_file_and_round_trips(installed: Path, config: Path,
                                                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output = tmp_path / "out.tar"
    output.write_bytes(b"old")
    result = run("models", "export", "tiny-ar-en", "-o", str(output), "--force", "--config", str(config))
    assert result.exit_code == 0, result.stderr
    with tarfile.open(output) as tar:
        manifest = json.loads(tar.extractfile("arsum-manifest.json").read())  # type: ignore[union-attr]
    assert manifest["commit"] == COMMIT and manifest["source"] == HUB_ID
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "elsewhere" / "hub"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "elsewhere" / "cache"))
    again = run("models", "import", str(output), "--no-convert", "--config", str(config))
    assert again.exit_code == 0, again.stderr


def test_convert_and_import_print_no_transformers_noise(tiny_marian: Path, tmp_path: Path) -> None:
    """transformers' weight-loading bar and deprecation lines are not arsum's to show: stderr is arsum's lines."""
    import subprocess

    env = {**os.environ, "HF_HUB_DISABLE_PROGRESS_BARS": "0"}
    env.pop("TQDM_DISABLE", None)
    converted = subprocess.run([sys.executable, "-m", "arsum", "models", "convert", str(tiny_marian), "-o",
                                str(tmp_path / "out")], capture_output=True, text=True, env=env, check=False)
    imported = subprocess.run([sys.executable, "-m", "arsum", "models", "import", str(tiny_marian), "--name",
                               "tiny-org/other"], capture_output=True, text=True, env=env, check=False)
    assert (converted.returncode, imported.returncode) == (0, 0), converted.stderr + imported.stderr
    assert converted.stderr == ""
    assert imported.stderr.splitlines() == ["arsum: installed tiny-org/other (converted to CTranslate2)"]


# --- a conversion belongs to the weights it was made from ------------------------------------------------------

def test_a_newer_snapshot_is_converted_again(tiny_marian: Path, tiny_marian_bin: Path, config: Path) -> None:
    from arsum.models.folders import (
        default_ct2_folder,
        read_metadata,
        source_fingerprint,
    )

    first = run("models", "import", str(tiny_marian), "--name", "tiny-ar-en", "--config", str(config))
    assert first.exit_code == 0, first.stderr
    conversion = default_ct2_folder("tiny-ar-en", "int8")
    made = read_metadata(conversion)["source_fingerprint"]
    second = run("models", "import", str(tiny_marian_bin), "--name", "tiny-ar-en", "--config", str(config))
    assert second.exit_code == 0, second.stderr
    snapshot = Path(second.stdout.strip())
    assert (snapshot / "pytorch_model.bin").is_file() and not (snapshot / "model.safetensors").exists()
    now = read_metadata(conversion)["source_fingerprint"]
    assert now != made and now == source_fingerprint(snapshot)


def test_a_local_folder_whose_weights_were_replaced_is_not_run_on_its_old_conversion(
        tiny_marian: Path, tmp_path: Path) -> None:
    import shutil

    from conftest import REPO_ROOT

    folder = tmp_path / "mine"
    shutil.copytree(tiny_marian, folder)
    local = tmp_path / "local.toml"
    local.write_text(f'[models.mine]\nsource = "{folder}"\nfamily = "marian"\n[models.mine.generation]\n'
                     'num_beams = 1\nmax_new_tokens = 8\n', encoding="utf-8")
    seed = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
    translate = ("translate", str(seed), "-m", "mine", "--no-support", "--config", str(local), "-f", "json")
    assert run("models", "convert", "mine", "--config", str(local)).exit_code == 0
    fresh = run(*translate)
    assert fresh.exit_code == 0, fresh.stderr
    assert json.loads(fresh.stdout)[0]["run"]["models"][0]["backend"] == "ctranslate2"
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes())  # replaced (same bytes, new file): what was converted is unknown
    os.utime(weights, ns=(1, 1))
    stale = run(*translate)
    assert stale.exit_code == 1
    [line] = stale.stderr.strip().splitlines()
    assert "was made from other weights" in line and "arsum models convert mine --force" in line
    listed = {m["name"]: m["state"] for m in json.loads(run("models", "list", "--config", str(local), "-f", "json").stdout)}
    assert listed["mine"] == "downloaded"
    assert run("models", "convert", "mine", "--force", "--config", str(local)).exit_code == 0
    again = run(*translate)
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)[0]["run"]["models"][0]["backend"] == "ctranslate2"


# --- the offline route, where users hit the problem (#25) ------------------------------------------------------

def _routes(line: str) -> bool:
    return "arsum models import ARCHIVE|FOLDER" in line and "-m FOLDER" in line


def test_summarize_with_no_model_and_no_network_names_the_offline_routes_once() -> None:
    from conftest import REPO_ROOT

    seeds = sorted((REPO_ROOT / "seeds").glob("*.txt"))[:2]
    result = run("summarize", *map(str, seeds), "-f", "json")
    assert result.exit_code == 0, result.stderr  # the Arabic summaries are still made
    lines = result.stderr.strip().splitlines()
    assert sum(_routes(line) for line in lines) == 1, lines


@pytest.mark.parametrize("network", ["offline", "unreachable"])
def test_pull_that_cannot_download_names_the_offline_routes(network: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if network == "unreachable":
        import huggingface_hub

        def no_network(*_: object, **__: object) -> None:
            raise ConnectionError("Name or service not known")

        monkeypatch.setenv("HF_HUB_OFFLINE", "0")
        monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")
        monkeypatch.setattr(huggingface_hub.HfApi, "model_info", no_network)
    result = run("models", "pull", "crosssum-m2m")
    assert result.exit_code == 1
    *notices, line = result.stderr.strip().splitlines()
    assert len(notices) == (network == "unreachable") and all(n.startswith("arsum: downloading ") for n in notices)
    assert line.startswith("arsum: model crosssum-m2m: ") and _routes(line), line


# --- models remove ---------------------------------------------------------------------------------------------

def _state(config: Path, name: str) -> str:
    listed = json.loads(run("models", "list", "--config", str(config), "-f", "json").stdout)
    return next(m["state"] for m in listed if m["name"] == name)


def test_remove_lists_sizes_and_deletes_the_download_and_its_conversion(tiny_marian: Path, config: Path) -> None:
    from arsum.models.folders import default_ct2_folder

    assert run("models", "import", str(tiny_marian), "--name", "tiny-ar-en", "--config", str(config)).exit_code == 0
    assert _state(config, "tiny-ar-en") == "converted"
    repo = hub_cache_dir() / "models--tiny-org--tiny-marian"
    conversion = default_ct2_folder("tiny-ar-en", "int8")
    dry = run("models", "remove", "tiny-ar-en", "--dry-run", "--config", str(config))
    assert dry.exit_code == 0, dry.stderr
    rows = [line.split("\t") for line in dry.stdout.splitlines()]
    assert [Path(path) for _, path in rows] == [repo, conversion]
    assert all(size.endswith(("kB", "MB")) for size, _ in rows)
    assert dry.stderr.startswith("arsum: would remove tiny-ar-en (")
    assert repo.is_dir() and conversion.is_dir() and _state(config, "tiny-ar-en") == "converted"
    removed = run("models", "remove", "tiny-ar-en", "--config", str(config))
    assert removed.exit_code == 0, removed.stderr
    assert removed.stdout == dry.stdout and removed.stderr.startswith("arsum: removed tiny-ar-en (")
    assert not repo.exists() and not conversion.exists()
    assert _state(config, "tiny-ar-en") == "not downloaded"


def test_remove_refuses_a_model_a_running_arsum_is_using(tiny_marian: Path, config: Path) -> None:
    import subprocess

    assert run("models", "import", str(tiny_marian), "--name", "tiny-ar-en", "--no-convert",
               "--config", str(config)).exit_code == 0
    script = ("import sys\nfrom pathlib import Path\nfrom arsum.models.config import load_config\n"
              "from arsum.models.inuse import hold\n"
              f"hold(load_config(Path({str(config)!r})).model('tiny-ar-en'))\nprint('held', flush=True)\nsys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held", holder.communicate("")
        refused = run("models", "remove", "tiny-ar-en", "--config", str(config))
    finally:
        holder.communicate("")
    assert refused.exit_code == 1
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith("arsum: model tiny-ar-en: is in use by a running arsum"), line
    assert _state(config, "tiny-ar-en") == "downloaded"
    assert run("models", "remove", "tiny-ar-en", "--config", str(config)).exit_code == 0  # the holder has ended


def test_a_run_marks_its_model_in_use(tiny_marian: Path, config: Path) -> None:
    """What a translate run loads is held (the lock `models remove` tests), not only a stand-in's."""
    import fcntl

    from conftest import REPO_ROOT

    from arsum.models.config import load_config
    from arsum.models.inuse import lock_path

    assert run("models", "import", str(tiny_marian), "--name", "tiny-ar-en", "--no-convert",
               "--config", str(config)).exit_code == 0
    seed = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
    assert run("translate", str(seed), "--no-support", "--config", str(config), "-f", "json").exit_code == 0
    fd = os.open(lock_path(load_config(config).model("tiny-ar-en")), os.O_RDWR)
    try:
        with pytest.raises(BlockingIOError):  # this test process ran it and still holds it
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)


def test_remove_never_deletes_what_the_user_configured_and_goes_on_after_a_missing_model(
        tiny_marian: Path, config: Path, tmp_path: Path) -> None:
    local = tmp_path / "local.toml"
    local.write_text(config.read_text(encoding="utf-8") + f'[models.mine]\nsource = "{tiny_marian}"\nfamily = "marian"\n',
                     encoding="utf-8")
    assert run("models", "import", str(tiny_marian), "--name", "tiny-ar-en", "--no-convert",
               "--config", str(local)).exit_code == 0
    result = run("models", "remove", "mine", "tiny-sum", "tiny-ar-en", "--config", str(local))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("arsum: mine: is the folder") and "which is yours" in lines[0]
    assert lines[1] == "arsum: model tiny-sum: is not downloaded or converted; nothing to remove"
    assert lines[2].startswith("arsum: removed tiny-ar-en (")
    assert (tiny_marian / "config.json").is_file()
    assert _state(local, "tiny-ar-en") == "not downloaded"


def test_models_list_is_a_table_on_a_terminal_and_tsv_when_piped() -> None:
    """Decided by stdout itself (a real pseudo-terminal here, not a test runner's stand-in)."""
    import subprocess

    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "arsum", "models", "list"], stdout=slave, stderr=subprocess.PIPE,
                            env=env)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal's other end closed: the command has finished writing
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert proc.wait() == 0, proc.stderr.read() if proc.stderr else ""
    text = shown.decode("utf-8")
    assert "\t" not in text and "─" in text and "crosssum-m2m" in text
    piped = subprocess.run([sys.executable, "-m", "arsum", "models", "list"], capture_output=True, text=True,
                           env=env, check=False)
    assert piped.returncode == 0
    assert piped.stdout.splitlines()[0].split("\t")[:2] == ["name", "state"]


def test_the_commit_an_earlier_arsum_invented_is_not_reported(tmp_path: Path) -> None:
    from arsum.models.folders import snapshot_commit

    invented = hashlib.sha1(HUB_ID.encode()).hexdigest()  # what the earlier import wrote
    repo = tmp_path / "models--tiny-org--tiny-marian" / "snapshots"
    assert snapshot_commit(repo / invented) is None
    assert snapshot_commit(repo / COMMIT) == COMMIT
    assert snapshot_commit(tmp_path / "elsewhere" / COMMIT) is None
