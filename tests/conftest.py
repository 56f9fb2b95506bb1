"""Shared fixtures: an offline, isolated environment for every test, and tiny seq2seq models.

huggingface_hub reads HF_HOME / HF_HUB_OFFLINE once, at import time, so the process-wide values are set
here before any test module imports it; the autouse fixture then gives every test its own folders.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="arsum-tests-"))
os.environ["HF_HOME"] = str(_SESSION_HOME / "hf")
os.environ["HF_HUB_CACHE"] = str(_SESSION_HOME / "hf" / "hub")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
os.environ.pop("ARSUM_CONFIG", None)
# Tiny models on a shared 2-core machine: one thread avoids OpenMP spinning that makes each op 100x slower.
os.environ.setdefault("ARSUM_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tinymodels  # noqa: E402

REPO_ROOT = tinymodels.REPO_ROOT
SHARED_EVAL = REPO_ROOT.parent / "shared" / "eval"
COMMIT = tinymodels.HUB_COMMIT
fake_hub_download = tinymodels.fake_hub_download  # tests import both from here too


def release_texts(count: int, *, real: bool = True) -> list[str]:
    """`count` release texts: the SPA wire files when ../shared is beside the repository, else variants of the
    seed release (its title numbered, its paragraphs rotated and cut), so a bare clone runs the same tests;
    `real=False`: always the variants."""
    spa_dir = SHARED_EVAL / "spa"
    spa = sorted(spa_dir.glob("*.txt")) if spa_dir.is_dir() and real else []
    if len(spa) >= count:
        return [p.read_text(encoding="utf-8") for p in spa[:count]]
    seed = (REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt").read_text(encoding="utf-8")
    title, *body = [line for line in seed.splitlines() if line.strip()]
    texts = []
    for i in range(count):
        paragraphs = body[i % len(body):] + body[: i % len(body)]
        texts.append("\n".join([f"{title} {i + 1}", *paragraphs[: 3 + i % 5]]) + "\n")
    return texts


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Caches and user config point into tmp_path; the hub is offline; no ARSUM_CONFIG leaks in."""
    home = tmp_path / "_env"
    monkeypatch.setenv("HF_HOME", str(home / "hf"))
    monkeypatch.setenv("HF_HUB_CACHE", str(home / "hf" / "hub"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.delenv("ARSUM_CONFIG", raising=False)
    hub_constants = sys.modules.get("huggingface_hub.constants")
    if hub_constants is not None:
        monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True, raising=False)
    yield home


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """All tiny model folders, built once per session (about 5 s)."""
    import warnings

    root = tmp_path_factory.mktemp("tiny-models")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tinymodels.build_all(root)


@pytest.fixture(scope="session")
def tiny_marian(tiny_models: dict[str, Path]) -> Path:
    """Marian ar->en with the opus-mt vocabulary layout (safetensors)."""
    return tiny_models["marian"]


@pytest.fixture(scope="session")
def tiny_marian_bin(tiny_models: dict[str, Path]) -> Path:
    """Same Marian, saved as pytorch_model.bin only (weights-only unpickling path)."""
    return tiny_models["marian_bin"]


@pytest.fixture(scope="session")
def tiny_mt5(tiny_models: dict[str, Path]) -> Path:
    """mT5 with a crossSum-style langid_map (decoder start token picks the output language)."""
    return tiny_models["mt5"]


@pytest.fixture(scope="session")
def tiny_forced_bos(tiny_models: dict[str, Path]) -> Path:
    """NLLB-layout M2M100 model: the target language is a forced BOS token such as eng_Latn."""
    return tiny_models["nllb"]


@pytest.fixture(scope="session")
def converted(tiny_models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """CTranslate2 float32 conversions of every tiny family, plus an int8 Marian (skipped without ctranslate2)."""
    pytest.importorskip("ctranslate2")
    from arsum.models.convert import convert_model

    root = tmp_path_factory.mktemp("ct2")
    folders = {name: convert_model(tiny_models[name], root / f"{name}-float32", "float32") for name in ("marian", "mt5", "nllb")}
    folders["marian-int8"] = convert_model(tiny_models["marian"], root / "marian-int8", "int8")
    return folders


@pytest.fixture(scope="session")
def seed_release_path() -> Path:
    return tinymodels.SEED_RELEASE


@pytest.fixture
def hub_models(tiny_marian: Path, tiny_mt5: Path, tiny_forced_bos: Path) -> None:
    """The tiny models installed in this test's hub cache under the default models' ids (routing as shipped)."""
    fake_hub_download(tiny_marian, "Helsinki-NLP/opus-mt-tc-big-ar-en")
    fake_hub_download(tiny_mt5, "csebuetnlp/mT5_m2m_crossSum_enhanced")
    fake_hub_download(tiny_forced_bos, "facebook/nllb-200-distilled-600M")


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None]]:
    """(device, quantize) of every model the transformers backend loads during the test; no CUDA here."""
    import torch

    from arsum.models import transformers_backend

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(transformers_backend, "_CACHE", {})  # every model of this test is loaded, and dropped after
    seen: list[tuple[str, str | None]] = []
    real = transformers_backend._load

    def recording(spec, folder, device, quantize):  # noqa: ANN001, ANN202
        seen.append((device, quantize))
        return real(spec, folder, device, quantize)

    monkeypatch.setattr(transformers_backend, "_load", recording)
    return seen
