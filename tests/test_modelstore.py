"""Model cache status, `models list/info/path/pull`, and `--model` resolution, all offline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import tinymodels
from conftest import COMMIT, fake_hub_download

from arsum.errors import ModelUnavailable, UsageError
from arsum.models import store as modelstore
from arsum.models.config import ModelSpec, load_config
from arsum.tasks.translation import build_translator, translate_releases


def test_nothing_cached_in_a_fresh_cache() -> None:
    statuses = modelstore.list_models(load_config())
    assert {s.name for s in statuses} == set(load_config().models)
    assert all(not s.cached and s.size_bytes is None and s.path is None for s in statuses)


def test_cached_model_is_listed_with_size_and_loads_from_cache(tiny_marian: Path) -> None:
    snapshot = fake_hub_download(tiny_marian, "Helsinki-NLP/opus-mt-tc-big-ar-en")
    config = load_config()
    by_name = {s.name: s for s in modelstore.list_models(config)}
    cached = by_name["opus-mt-tc-big-ar-en"]
    expected = sum(p.stat().st_size for p in snapshot.iterdir())
    assert (cached.cached, cached.size_bytes, cached.path) == (True, expected, snapshot)
    assert not by_name["nllb-200-distilled-600m"].cached
    assert modelstore.model_path(config.model("opus-mt-tc-big-ar-en")) == snapshot
    info = modelstore.info(config, "opus-mt-tc-big-ar-en")
    assert info["cached"] and info["architecture"]["model_type"] == "marian" and info["license"] == "CC-BY-4.0"
    [result] = translate_releases(build_translator(config, target="en", device="cpu"), [tinymodels.make_release()])
    assert len(result.pairs) == 2 + len(result.release.sentences)
    [run] = result.run.models  # the snapshot's commit, not the branch name the config asks for
    assert (run.role, run.name, run.revision, run.commit, run.backend) == (
        "translator", "opus-mt-tc-big-ar-en", config.model("opus-mt-tc-big-ar-en").revision, COMMIT, "transformers")


def test_snapshot_without_weights_is_not_cached(tiny_marian: Path) -> None:
    snapshot = fake_hub_download(tiny_marian, "Helsinki-NLP/opus-mt-ar-en")
    (snapshot / "model.safetensors").unlink()
    assert not modelstore.status(load_config().model("opus-mt-ar-en")).cached


def test_local_folder_source_status(tiny_mt5: Path, tmp_path: Path) -> None:
    present = ModelSpec(name="here", source=str(tiny_mt5), family="mt5")
    absent = ModelSpec(name="gone", source=str(tmp_path / "gone"), family="mt5")
    assert modelstore.status(present).cached and modelstore.status(present).size_bytes
    assert not modelstore.status(absent).cached
    with pytest.raises(ModelUnavailable, match="does not exist"):
        modelstore.model_path(absent)


def test_model_path_of_missing_hub_model_has_pull_hint() -> None:
    with pytest.raises(ModelUnavailable) as err:
        modelstore.model_path(load_config().model("nllb-200-distilled-600m"))
    assert str(err.value) == (
        "model nllb-200-distilled-600m: facebook/nllb-200-distilled-600M is not downloaded; "
        "run `arsum models pull nllb-200-distilled-600m` where the hub is reachable; offline, use "
        "`arsum models import ARCHIVE|FOLDER` (an archive from `arsum models export`, or a model folder) or -m FOLDER"
    )


def test_pull_respects_offline_mode() -> None:
    assert modelstore.is_offline()
    with pytest.raises(ModelUnavailable, match="HF_HUB_OFFLINE"):
        modelstore.pull(load_config(), "opus-mt-ar-en")


def test_pull_of_a_local_folder_returns_it(tiny_marian: Path) -> None:
    assert modelstore.pull(load_config(), str(tiny_marian)) == tiny_marian


@pytest.mark.parametrize(
    ("files", "weights"),
    [
        (["config.json", "model.safetensors", "pytorch_model.bin", "tf_model.h5"], "model*.safetensors"),
        (["config.json", "pytorch_model.bin", "flax_model.msgpack"], "pytorch_model*.bin"),
    ],
)
def test_download_patterns_prefer_safetensors(files: list[str], weights: str) -> None:
    patterns = modelstore.download_patterns(files)
    assert weights in patterns and "config.json" in patterns and "tokenizer.json" in patterns
    other = "pytorch_model*.bin" if weights.endswith("safetensors") else "model*.safetensors"
    assert other not in patterns and not any(p.endswith((".h5", ".msgpack")) for p in patterns)


@pytest.mark.parametrize(
    ("fixture", "family"), [("tiny_marian", "marian"), ("tiny_mt5", "mt5"), ("tiny_forced_bos", "nllb")]
)
def test_resolve_model_from_folder_reads_family(fixture: str, family: str, request: pytest.FixtureRequest) -> None:
    folder = request.getfixturevalue(fixture)
    spec = modelstore.resolve_model(load_config(), str(folder))
    assert (spec.family, spec.source, spec.is_local) == (family, str(folder), True)


def test_resolve_model_names_and_hub_ids(tmp_path: Path) -> None:
    config = load_config()
    assert modelstore.resolve_model(config, "opus-mt-ar-en") is config.model("opus-mt-ar-en")
    assert modelstore.resolve_model(config, "Helsinki-NLP/opus-mt-ar-en") is config.model("opus-mt-ar-en")
    unknown = modelstore.resolve_model(config, "someone/some-model")
    assert (unknown.source, unknown.family) == ("someone/some-model", "auto")
    for bad in ("not-a-model", str(tmp_path / "missing"), "./nope"):
        with pytest.raises(UsageError, match="not a configured model"):
            modelstore.resolve_model(config, bad)


def test_hub_cache_dir_follows_environment(tmp_path: Path) -> None:
    assert modelstore.hub_cache_dir({"HF_HUB_CACHE": str(tmp_path / "a")}) == tmp_path / "a"
    assert modelstore.hub_cache_dir({"HF_HOME": str(tmp_path / "h")}) == tmp_path / "h" / "hub"
    assert modelstore.hub_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "huggingface" / "hub"
    assert modelstore.hub_cache_dir() == Path(os.environ["HF_HUB_CACHE"])
