"""Getting models onto a machine with tiny models and no network: pull converts, export/import round-trips,
damaged archives are refused, and the default backend runs the conversion."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from conftest import REPO_ROOT, fake_hub_download
from typer.testing import CliRunner

from arsum.cli.app import app
from arsum.models.config import ModelSpec, load_config
from arsum.models.store import choose_backend, hub_cache_dir

pytest.importorskip("ctranslate2")

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
runner = CliRunner()
HUB_IDS = {"marian": "tiny-org/tiny-marian", "mt5": "tiny-org/tiny-mt5"}


def run(*args: str):  # noqa: ANN201
    return runner.invoke(app, list(args))


@pytest.fixture
def hub_config(tmp_path: Path) -> Path:
    """A catalogue of hub models (as the packaged one is), served by the tiny models."""
    path = tmp_path / "models.toml"
    path.write_text(
        f'[models.tiny-ar-en]\nsource = "{HUB_IDS["marian"]}"\nfamily = "marian"\ntasks = ["translate"]\n'
        'languages = ["ar", "en"]\nsrc_lang = "ar"\ntgt_lang = "en"\nlicense = "CC-BY-4.0"\ndownload_mb = 1\n'
        '[models.tiny-ar-en.generation]\nnum_beams = 1\nmax_new_tokens = 8\n'
        f'[models.tiny-sum]\nsource = "{HUB_IDS["mt5"]}"\nfamily = "mt5"\ntasks = ["summarize"]\ntgt_lang = "en"\n'
        '[models.tiny-sum.generation]\nnum_beams = 1\nmax_new_tokens = 8\n'
        '[routing.translate]\nen = "tiny-ar-en"\ndefault = "tiny-ar-en"\n'
        '[routing.summarize]\nenglish = "tiny-sum"\nenglish_summarizer = "tiny-sum"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def online_hub(tiny_models: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The hub, simulated: `snapshot_download` lays the tiny model out in the cache as a real download does."""
    import huggingface_hub

    downloads: list[str] = []
    folders = {hub_id: tiny_models[family] for family, hub_id in HUB_IDS.items()}

    class Info:
        def __init__(self, repo_id: str) -> None:
            self.siblings = [type("S", (), {"rfilename": p.name}) for p in folders[repo_id].iterdir()]

    def snapshot_download(repo_id: str, **_: object) -> str:
        downloads.append(repo_id)
        return str(fake_hub_download(folders[repo_id], repo_id))

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")
    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", lambda self, repo_id, **_: Info(repo_id))
    return downloads


def states(config: Path) -> dict[str, str]:
    listed = run("models", "list", "--config", str(config), "-f", "json")
    assert listed.exit_code == 0, listed.stderr
    return {m["name"]: m["state"] for m in json.loads(listed.stdout) if m["name"].startswith("tiny-")}


def fresh_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Empty caches, offline: the air-gapped machine an archive is carried to."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / name / "hub"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / name / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


def test_pull_says_the_size_downloads_and_converts(hub_config: Path, online_hub: list[str]) -> None:
    assert states(hub_config) == {"tiny-ar-en": "not downloaded", "tiny-sum": "not downloaded"}
    pulled = run("models", "pull", "tiny-ar-en", "--config", str(hub_config))
    assert pulled.exit_code == 0, pulled.stderr
    assert pulled.stderr.splitlines()[0] == "arsum: downloading tiny-ar-en (tiny-org/tiny-marian, about 1 MB)"
    snapshot, conversion = (Path(line) for line in pulled.stdout.splitlines())
    assert (snapshot / "config.json").is_file() and (conversion / "model.bin").is_file()
    assert states(hub_config) == {"tiny-ar-en": "converted", "tiny-sum": "not downloaded"}
    spec = load_config(hub_config).model("tiny-ar-en")
    assert choose_backend(spec).backend == "ctranslate2"  # the default path after a pull is the fast one
    made = (conversion / "model.bin").stat().st_mtime_ns
    again = run("models", "pull", "tiny-ar-en", "--config", str(hub_config))
    assert again.exit_code == 0 and again.stdout == pulled.stdout
    assert (conversion / "model.bin").stat().st_mtime_ns == made  # the conversion of this snapshot is kept
    assert online_hub == ["tiny-org/tiny-marian"] * 2


def make_earlier_conversion(conversion: Path) -> None:
    """What arsum made before the vocabulary map (conversion format 2): no `format`, no `vmap.txt`."""
    from arsum.models.vocabulary import VMAP_FILE

    metadata_path = conversion / "arsum_ct2.json"
    metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    del metadata["format"]
    metadata_path.write_text(json.dumps(metadata), encoding="utf-8")
    (conversion / VMAP_FILE).unlink()


def test_pull_converts_again_what_an_earlier_arsum_converted(hub_config: Path, online_hub: list[str]) -> None:
    """Conversions before the vocabulary map (format 2) had none: the next pull brings the map in."""
    from arsum.models.convert import CONVERSION_FORMAT
    from arsum.models.vocabulary import VMAP_FILE

    pulled = run("models", "pull", "tiny-ar-en", "--config", str(hub_config))
    conversion = Path(pulled.stdout.splitlines()[1])
    metadata_path = conversion / "arsum_ct2.json"
    assert json.loads(metadata_path.read_text(encoding="utf-8"))["format"] == CONVERSION_FORMAT
    assert (conversion / VMAP_FILE).is_file()
    make_earlier_conversion(conversion)
    again = run("models", "pull", "tiny-ar-en", "--config", str(hub_config))
    assert again.exit_code == 0, again.stderr
    assert json.loads(metadata_path.read_text(encoding="utf-8"))["format"] == CONVERSION_FORMAT
    assert (conversion / VMAP_FILE).is_file()
    info = json.loads(run("models", "info", "tiny-ar-en", "--config", str(hub_config)).stdout)
    assert info["conversion"] == str(conversion) and info["output_vocabulary"]["kept"] < info["output_vocabulary"]["of"]


def test_pull_without_conversion_runs_on_transformers(hub_config: Path, online_hub: list[str]) -> None:
    pulled = run("models", "pull", "tiny-sum", "--no-convert", "--config", str(hub_config))
    assert pulled.exit_code == 0, pulled.stderr
    assert len(pulled.stdout.splitlines()) == 1
    assert states(hub_config)["tiny-sum"] == "downloaded"
    assert choose_backend(load_config(hub_config).model("tiny-sum")).backend == "transformers"


@pytest.mark.parametrize(
    ("requested", "device", "converted", "expected"),
    [
        (None, "auto", False, "transformers"),
        (None, "auto", True, "ctranslate2"),
        (None, "cpu", True, "ctranslate2"),
        (None, "mps", True, "transformers"),  # CTranslate2 has no mps device
        ("transformers", "auto", True, "transformers"),
        ("ctranslate2", "auto", False, "ctranslate2"),  # asked for: its missing conversion is reported at load
    ],
)
def test_backend_auto_follows_the_conversion(requested: str | None, device: str, converted: bool, expected: str,
                                             tmp_path: Path) -> None:
    from arsum.models.folders import default_ct2_folder

    spec = ModelSpec(name="m", source="org/m", family="marian")
    if converted:
        folder = default_ct2_folder("m", "int8")
        folder.mkdir(parents=True)
        (folder / "model.bin").write_bytes(b"")
        (folder / "config.json").write_text("{}", encoding="utf-8")
    assert choose_backend(spec, requested, device).backend == expected


@pytest.mark.parametrize(("family", "command"), [("marian", ("translate", "--no-support")), ("mt5", ("summarize", "--no-support"))])
def test_export_import_round_trip_offline(family: str, command: tuple[str, ...], hub_config: Path,
                                          online_hub: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = {"marian": "tiny-ar-en", "mt5": "tiny-sum"}[family]
    assert run("models", "pull", name, "--config", str(hub_config)).exit_code == 0
    archive = tmp_path / f"{name}.tar"
    exported = run("models", "export", name, "-o", str(archive), "--config", str(hub_config))
    assert exported.exit_code == 0, exported.stderr
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("arsum-manifest.json").read())  # type: ignore[union-attr]
    assert names[-1] == "arsum-manifest.json" and set(manifest["files"]) == set(names[:-1])
    assert any(n.startswith("model/") for n in names) and any(n.startswith("ct2-int8/") for n in names)
    assert (manifest["name"], manifest["source"], manifest["license"]) == (name, HUB_IDS[family], "CC-BY-4.0" if family == "marian" else None)

    fresh_machine(tmp_path, monkeypatch, "airgapped")
    assert states(hub_config)[name] == "not downloaded"
    imported = run("models", "import", str(archive), "--config", str(hub_config))
    assert imported.exit_code == 0, imported.stderr
    assert states(hub_config)[name] == "converted"
    assert choose_backend(load_config(hub_config).model(name)).backend == "ctranslate2"
    result = run(*command, str(SEED), "--config", str(hub_config), "-f", "json")
    assert result.exit_code == 0, result.stderr
    [release] = json.loads(result.stdout)
    if family == "marian":
        assert release["model"] == HUB_IDS[family] and len(release["pairs"]) == 2 + release["sentences"]
    else:
        assert release["english_summary"]["model"] == HUB_IDS[family]
    transformers_run = run(*command, str(SEED), "--config", str(hub_config), "-f", "json", "--backend", "transformers")
    assert transformers_run.exit_code == 0, transformers_run.stderr
    assert online_hub == [HUB_IDS[family]]  # the import itself downloaded nothing


def test_import_converts_again_an_archived_conversion_of_an_earlier_format(
    hub_config: Path, online_hub: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An archive an earlier arsum exported carries a conversion without the vocabulary map: import remakes it."""
    from arsum.models.convert import CONVERSION_FORMAT
    from arsum.models.vocabulary import VMAP_FILE

    conversion = Path(run("models", "pull", "tiny-ar-en", "--config", str(hub_config)).stdout.splitlines()[1])
    make_earlier_conversion(conversion)
    archive = tmp_path / "old.tar"
    assert run("models", "export", "tiny-ar-en", "-o", str(archive), "--config", str(hub_config)).exit_code == 0
    with tarfile.open(archive) as tar:
        assert f"ct2-int8/{VMAP_FILE}" not in tar.getnames()

    fresh_machine(tmp_path, monkeypatch, "airgapped")
    imported = run("models", "import", str(archive), "--config", str(hub_config))
    assert imported.exit_code == 0, imported.stderr
    from arsum.models.folders import default_ct2_folder

    installed = default_ct2_folder("tiny-ar-en", "int8")
    assert json.loads((installed / "arsum_ct2.json").read_text(encoding="utf-8"))["format"] == CONVERSION_FORMAT
    assert (installed / VMAP_FILE).is_file()


def _rewrite(archive: Path, out: Path, change) -> None:  # noqa: ANN001
    """A copy of `archive` with each member's bytes passed through `change(name, data)`."""
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for member in src:
            data = change(member.name, src.extractfile(member).read())  # type: ignore[union-attr]
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))


@pytest.fixture
def exported(hub_config: Path, online_hub: list[str], tmp_path: Path) -> Path:
    run("models", "pull", "tiny-ar-en", "--no-convert", "--config", str(hub_config))
    archive = tmp_path / "tiny.tar"
    assert run("models", "export", "tiny-ar-en", "-o", str(archive), "--config", str(hub_config)).exit_code == 0
    return archive


def _flip_weight_byte(name: str, data: bytes) -> bytes:
    return data[:100] + bytes([data[100] ^ 1]) + data[101:] if name.endswith("model.safetensors") else data


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("corrupted", "checksum mismatch for model/model.safetensors: the archive is corrupted or was modified"),
        ("truncated", "not a complete arsum model archive (unexpected end of data)"),
        ("cut before the manifest", "no arsum-manifest.json"),
        ("file removed", "is missing: the archive is incomplete"),
        ("not an archive", "not a complete arsum model archive"),
    ],
)
def test_damaged_archive_is_refused_in_one_line(damage: str, message: str, exported: Path, hub_config: Path,
                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.tar"
    data = exported.read_bytes()
    if damage == "corrupted":
        _rewrite(exported, bad, _flip_weight_byte)
    elif damage == "truncated":
        bad.write_bytes(data[: len(data) // 2])
    elif damage == "cut before the manifest":
        _rewrite(exported, bad, lambda name, d: d)
        with tarfile.open(exported) as tar:
            last = tar.getmembers()[-1]
        bad.write_bytes(data[: last.offset])
    elif damage == "file removed":
        with tarfile.open(exported) as src, tarfile.open(bad, "w") as dst:
            for member in src:
                if not member.name.endswith("tokenizer_config.json"):
                    dst.addfile(member, src.extractfile(member))
    else:
        bad.write_bytes(b"not a tar file at all" * 100)
    fresh_machine(tmp_path, monkeypatch, "target")
    result = run("models", "import", str(bad), "--config", str(hub_config))
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"arsum: {bad}: ") and message in line
    leftovers = [p for p in hub_cache_dir().rglob("*")] if hub_cache_dir().exists() else []
    assert leftovers == []  # nothing installed, no staging folder left behind
    assert states(hub_config)["tiny-ar-en"] == "not downloaded"


def test_import_of_a_copied_hub_snapshot_folder(hub_config: Path, online_hub: list[str], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    pulled = run("models", "pull", "tiny-ar-en", "--no-convert", "--config", str(hub_config))
    snapshot = Path(pulled.stdout.splitlines()[0])
    copy = tmp_path / "usb" / snapshot.parents[1].name / "snapshots" / snapshot.name  # copied with its cache path
    shutil.copytree(snapshot, copy)
    fresh_machine(tmp_path, monkeypatch, "airgapped")
    imported = run("models", "import", str(copy), "--no-convert", "--config", str(hub_config))
    assert imported.exit_code == 0, imported.stderr
    assert states(hub_config)["tiny-ar-en"] == "downloaded"
    anonymous = tmp_path / "somewhere"
    shutil.copytree(snapshot, anonymous)
    unnamed = run("models", "import", str(anonymous), "--config", str(hub_config))
    assert unnamed.exit_code == 2 and "--name" in unnamed.stderr


@pytest.mark.parametrize("columns", ["60", "100"])
def test_models_list_never_shortens_a_name(columns: str) -> None:
    result = runner.invoke(app, ["models", "list", "-f", "rich"], env={"COLUMNS": columns})
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    for name in load_config().models:
        assert any(line.startswith(f"{name} ") for line in lines), (name, result.stdout)
    assert "…" not in result.stdout
