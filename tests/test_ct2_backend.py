"""CTranslate2 backend: conversion, greedy parity with transformers, int8, and its error paths."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ctranslate2")

import tinymodels  # noqa: E402  (tests/ is on sys.path via conftest)

from arsum import __version__  # noqa: E402
from arsum.errors import ModelUnavailable, OutputError, UsageError  # noqa: E402
from arsum.models.config import GenerationSettings, ModelSpec  # noqa: E402
from arsum.models.convert import convert_model, convert_spec  # noqa: E402
from arsum.models.ctranslate2_backend import CTranslate2Backend, resolve_ct2_folder  # noqa: E402
from arsum.models.engine import Engine, build_engine  # noqa: E402
from arsum.models.folders import METADATA_FILE, default_ct2_folder, is_ct2_folder  # noqa: E402
from arsum.models.store import resolve_model  # noqa: E402
from arsum.models.transformers_backend import TransformersBackend  # noqa: E402

GREEDY = GenerationSettings(num_beams=1, max_new_tokens=16)
SENTENCES = tinymodels.sample_lines()[:7]

# fixture name, family, target token, extra spec fields
FAMILIES = [
    ("marian", "marian", None, {}),
    ("mt5", "mt5", "<extra_id_3>", {}),
    ("mt5", "mt5", None, {}),
    ("nllb", "nllb", "eng_Latn", {"src_lang": "arb_Arab", "max_input_tokens": 200}),
    ("nllb", "nllb", "fra_Latn", {"src_lang": "arb_Arab", "max_input_tokens": 200}),
]


def cli(*args: str) -> object:
    from typer.testing import CliRunner

    from arsum.cli.app import app

    return CliRunner().invoke(app, list(args))


def spec_for(tiny_models: dict[str, Path], name: str, family: str, **extra: object) -> ModelSpec:
    return ModelSpec(name=f"tiny-{name}", source=str(tiny_models[name]), family=family, **extra)  # type: ignore[arg-type]


def test_conversion_layout(converted: dict[str, Path]) -> None:
    marian = converted["marian"]
    assert is_ct2_folder(marian)
    for name in ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json", "generation_config.json", "arsum_ct2.json",
                 "vmap.txt"):
        assert (marian / name).is_file(), name
    assert not list(marian.parent.glob(".marian-float32-*")), "staging folder left behind"


@pytest.mark.parametrize(("name", "family", "target", "extra"), FAMILIES)
def test_greedy_output_matches_transformers(
    tiny_models: dict[str, Path], converted: dict[str, Path], name: str, family: str, target: str | None, extra: dict
) -> None:
    spec = spec_for(tiny_models, name, family, **extra)
    expected = TransformersBackend(spec, device="cpu").generate(SENTENCES, GREEDY, target)
    got = CTranslate2Backend(spec, device="cpu", folder=converted[name]).generate(SENTENCES, GREEDY, target)
    assert any(expected), "the tiny model produced only empty strings; the comparison would prove nothing"
    assert got == expected


@pytest.mark.parametrize(("name", "family", "target", "extra"), [FAMILIES[0], FAMILIES[1], FAMILIES[3]])
@pytest.mark.parametrize(("beams", "length_penalty"), [(3, 1.0), (4, 2.0)])
def test_beam_output_matches_transformers(
    tiny_models: dict[str, Path], converted: dict[str, Path], name: str, family: str, target: str | None,
    extra: dict, beams: int, length_penalty: float,
) -> None:
    """Beam scores depend on logit scale and length penalty, so this also checks the mT5 output scaling."""
    spec = spec_for(tiny_models, name, family, **extra)
    settings = GenerationSettings(num_beams=beams, max_new_tokens=16, length_penalty=length_penalty)
    expected = TransformersBackend(spec, device="cpu").generate(SENTENCES, settings, target)
    got = CTranslate2Backend(spec, device="cpu", folder=converted[name]).generate(SENTENCES, settings, target)
    assert got == expected


def test_marian_token_ids_match_generate(tiny_models: dict[str, Path], converted: dict[str, Path]) -> None:
    """Below the strings: the very token ids, one sentence at a time, against plain model.generate."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_models["marian"]))
    model = AutoModelForSeq2SeqLM.from_pretrained(str(tiny_models["marian"])).eval()
    backend = CTranslate2Backend(spec_for(tiny_models, "marian", "marian"), device="cpu", folder=converted["marian"])
    translator = backend.loaded.translator
    for sentence in SENTENCES:
        ids = tokenizer(sentence)["input_ids"]
        with torch.inference_mode():
            reference = model.generate(torch.tensor([ids]), num_beams=1, do_sample=False, max_new_tokens=16)[0].tolist()
        # transformers: decoder start, then tokens, with the forced </s> on the last step; CT2: tokens only.
        result = translator.translate_batch([tokenizer.convert_ids_to_tokens(ids)], beam_size=1, max_decoding_length=15)
        hypothesis = tokenizer.convert_tokens_to_ids(result[0].hypotheses[0])
        assert [i for i in reference[1:] if i != tokenizer.eos_token_id] == hypothesis


def test_int8_keeps_count_and_order(tiny_models: dict[str, Path], converted: dict[str, Path]) -> None:
    spec = spec_for(tiny_models, "marian", "marian")
    backend = CTranslate2Backend(spec, device="cpu", quantize="int8", folder=converted["marian-int8"])
    batched = backend.generate(SENTENCES, GREEDY, None)
    assert len(batched) == len(SENTENCES)
    assert batched == [backend.generate([s], GREEDY, None)[0] for s in SENTENCES]
    assert backend.loaded.compute_type == "int8"
    assert backend.count_tokens(SENTENCES) == TransformersBackend(spec, device="cpu").count_tokens(SENTENCES)


@pytest.mark.parametrize("beams", [1, 3])
def test_engine_runs_the_ct2_backend(tiny_models: dict[str, Path], converted: dict[str, Path], beams: int) -> None:
    """`backend = "ctranslate2"` in a spec routes through build_engine; order kept, empty input stays empty."""
    spec = spec_for(tiny_models, "marian", "marian", backend="ctranslate2", ct2_path=str(converted["marian"]),
                    generation=GenerationSettings(num_beams=beams, max_new_tokens=12))
    engine = build_engine(spec, device="cpu")
    assert isinstance(engine.backend, CTranslate2Backend)
    texts = [*SENTENCES[:3], "", SENTENCES[3]]
    outputs = engine.generate(texts).texts
    assert len(outputs) == len(texts) and outputs[3] == ""
    one_by_one = Engine(spec, engine.backend, max_batch_size=1).generate(texts).texts
    assert outputs == one_by_one


def test_unknown_target_token(tiny_models: dict[str, Path], converted: dict[str, Path]) -> None:
    spec = spec_for(tiny_models, "nllb", "nllb", src_lang="arb_Arab", max_input_tokens=200)
    backend = CTranslate2Backend(spec, device="cpu", folder=converted["nllb"])
    with pytest.raises(ModelUnavailable, match="not_a_lang"):
        backend.generate(SENTENCES[:1], GREEDY, "not_a_lang")


def test_conversion_keeps_the_snapshot_commit(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    """Records name the hub commit a conversion came from; a plain local folder has none."""
    commit = "89abcdef" * 5
    snapshot = shutil.copytree(tiny_models["marian"], tmp_path / "models--x--y" / "snapshots" / commit)
    spec = spec_for(tiny_models, "marian", "marian")
    from_hub = CTranslate2Backend(spec, folder=convert_model(snapshot, tmp_path / "hub-ct2", "int8"))
    from_folder = CTranslate2Backend(spec, folder=convert_model(tiny_models["marian"], tmp_path / "local-ct2", "int8"))
    assert (from_hub.commit, from_folder.commit) == (commit, None)


def _user_folder(tmp: Path) -> Path:
    folder = tmp / "out"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    return folder


def _user_file(tmp: Path) -> Path:
    path = tmp / "out"
    path.write_text("mine")
    return path


def _link_to_user_folder(tmp: Path) -> Path:
    _user_folder(tmp).rename(tmp / "real")
    (tmp / "out").symlink_to(tmp / "real")
    return tmp / "out"


@pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
@pytest.mark.parametrize(
    ("make", "problem"),
    [(_user_folder, "is not an arsum conversion"), (_user_file, "is not a folder"),
     (_link_to_user_folder, "is a symbolic link")],
    ids=["user-folder", "file", "symlink-to-folder"],
)
def test_convert_never_replaces_what_is_not_an_earlier_conversion(
    tiny_models: dict[str, Path], tmp_path: Path, make, problem: str, force: bool  # noqa: ANN001
) -> None:
    output = make(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(OutputError, match=problem) as refused:
        convert_model(tiny_models["marian"], output, "float32", force=force)
    assert "--force" not in str(refused.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no staging folder left
    kept = output.resolve() / "keep.txt" if output.resolve().is_dir() else output
    assert kept.read_text() == "mine"


def test_convert_never_replaces_the_source(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    source = tmp_path / "model"
    shutil.copytree(tiny_models["marian"], source)
    (source / METADATA_FILE).write_text("{}")  # even when it looks like an earlier conversion
    (source / "model.bin").write_bytes(b"")
    before = sorted(p.name for p in source.iterdir())
    with pytest.raises((OutputError, ModelUnavailable)):
        convert_model(source, source, "float32", force=True)
    assert sorted(p.name for p in source.iterdir()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_convert_force_replaces_an_earlier_conversion_in_one_swap(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    output = tmp_path / "out"
    convert_model(tiny_models["marian"], output, "float32")
    with pytest.raises(OutputError, match="pass --force"):
        convert_model(tiny_models["marian"], output, "float32")
    (output / "stale.txt").write_text("from the earlier conversion")
    convert_model(tiny_models["marian"], output, "int8", force=True)
    assert is_ct2_folder(output) and not (output / "stale.txt").exists()
    assert json.loads((output / METADATA_FILE).read_text())["quantization"] == "int8"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize(
    ("source_kind", "quantization", "error", "message"),
    [
        ("not-a-model", "float32", ModelUnavailable, "no config.json"),
        ("marian", "int4", ModelUnavailable, "unknown quantization"),
    ],
)
def test_convert_errors(tiny_models: dict[str, Path], tmp_path: Path, source_kind: str, quantization: str,
                        error: type[Exception], message: str) -> None:
    source = tiny_models["marian"] if source_kind == "marian" else tmp_path
    with pytest.raises(error, match=message):
        convert_model(source, tmp_path / "out", quantization)  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists()


def test_convert_spec_uses_default_folder(tiny_models: dict[str, Path]) -> None:
    """`arsum models convert NAME` without an output folder; the backend then finds it by name."""
    spec = spec_for(tiny_models, "marian", "marian", backend="ctranslate2")
    folder = convert_spec(spec, "int8")
    assert folder == default_ct2_folder(spec.name, "int8") and is_ct2_folder(folder)
    assert resolve_ct2_folder(spec, "int8") == folder
    assert len(CTranslate2Backend(spec, device="cpu", quantize="int8").generate(SENTENCES[:2], GREEDY, None)) == 2


def test_missing_conversion_names_the_convert_command(tiny_models: dict[str, Path]) -> None:
    spec = spec_for(tiny_models, "marian", "marian", backend="ctranslate2")
    with pytest.raises(ModelUnavailable, match=r"arsum models convert tiny-marian --quantization int8"):
        CTranslate2Backend(spec, device="cpu", quantize="int8").generate(SENTENCES[:1], GREEDY, None)


def test_unknown_quantization_is_a_usage_error(tiny_models: dict[str, Path]) -> None:
    with pytest.raises(UsageError, match="int4"):
        CTranslate2Backend(spec_for(tiny_models, "marian", "marian"), quantize="int4")


def test_mps_is_a_usage_error(tiny_models: dict[str, Path], converted: dict[str, Path]) -> None:
    backend = CTranslate2Backend(spec_for(tiny_models, "marian", "marian"), device="mps", folder=converted["marian"])
    with pytest.raises(UsageError, match="cpu or cuda"):
        backend.generate(SENTENCES[:1], GREEDY, None)


def test_missing_extra_says_how_to_install(tiny_models: dict[str, Path], converted: dict[str, Path],
                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ctranslate2", None)  # makes `import ctranslate2` raise ImportError
    spec = spec_for(tiny_models, "marian", "marian")
    backend = CTranslate2Backend(spec, device="cpu", folder=converted["marian"])
    with pytest.raises(ModelUnavailable, match=r"ctranslate2 package is not installed; reinstall arsum"):
        backend.generate(SENTENCES[:1], GREEDY, None)
    with pytest.raises(ModelUnavailable, match=r"reinstall arsum"):
        convert_model(tiny_models["marian"], tmp_path / "out", "int8")


@pytest.mark.parametrize(("name", "family"), [("marian", "marian"), ("mt5", "mt5"), ("nllb", "nllb")])
def test_resolve_model_recognises_a_conversion(tiny_models: dict[str, Path], converted: dict[str, Path],
                                               name: str, family: str) -> None:
    """`--model CT2_FOLDER`: family from arsum_ct2.json, decoding from the copied generation_config.json."""
    from arsum.models.config import load_config

    config = load_config()
    spec = resolve_model(config, str(converted[name]))
    source_spec = resolve_model(config, str(tiny_models[name]))
    assert (spec.backend, spec.ct2_path, spec.family) == ("ctranslate2", str(converted[name]), family)
    assert (spec.generation, spec.src_lang, spec.max_input_tokens) == (
        source_spec.generation, source_spec.src_lang, source_spec.max_input_tokens)
    assert source_spec.backend == "transformers" and source_spec.ct2_path is None


def test_resolving_a_conversion_imports_neither_ctranslate2_nor_torch(converted: dict[str, Path]) -> None:
    code = (
        "import sys\nfrom arsum.models.config import load_config\nfrom arsum.models.store import info, resolve_model\n"
        f"assert resolve_model(load_config(), {str(converted['marian'])!r}).backend == 'ctranslate2'\n"
        f"info(load_config(), {str(converted['marian'])!r})\n"
        "print(sorted(m for m in ('ctranslate2', 'torch', 'transformers') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_conversion_without_metadata_names_the_problem(converted: dict[str, Path], tmp_path: Path) -> None:
    """A folder from ct2-transformers-converter has no arsum_ct2.json: say so, don't guess a family."""
    from arsum.models.config import load_config

    folder = shutil.copytree(converted["marian"], tmp_path / "foreign")
    (folder / "arsum_ct2.json").unlink()
    with pytest.raises(ModelUnavailable, match=r"CTranslate2 model .* has no arsum_ct2\.json"):
        resolve_model(load_config(), str(folder))


def test_convert_refuses_a_conversion(converted: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="already a CTranslate2 model"):
        convert_model(converted["marian"], tmp_path / "again", "int8")


def test_cli_translate_with_a_conversion_folder(tiny_models: dict[str, Path], converted: dict[str, Path]) -> None:
    """`arsum translate --model CT2_FOLDER`: one translation per unit, the same as the transformers backend."""
    seed = str(tinymodels.SEED_RELEASE)
    results = {}
    for backend, folder in (("ctranslate2", converted["marian"]), ("transformers", tiny_models["marian"])):
        result = cli("translate", "--model", str(folder), seed, "--no-support", "-f", "json")
        assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
        [release] = json.loads(result.stdout)  # type: ignore[attr-defined]
        assert release["model"] == str(folder)
        [run] = release["run"]["models"]
        assert {k: run.pop(k) for k in ("device", "compute_type", "quantize", "conversion", "conversion_format",
                                        "vocabulary_map")}["device"] == "cpu"  # the runtime as loaded
        assert release["run"] == {"arsum": __version__, "models": [{
            "role": "translator", "name": str(folder), "source": str(folder), "revision": None, "commit": None,
            "backend": backend}]}
        results[backend] = release
    pairs = results["ctranslate2"]["pairs"]
    assert len(pairs) == 2 + results["ctranslate2"]["sentences"]
    assert [p["index"] for p in pairs] == [p["index"] for p in results["transformers"]["pairs"]]
    translations = [p["translation"] for p in pairs]
    assert any(translations) and all(isinstance(t, str) for t in translations)
    assert translations == [p["translation"] for p in results["transformers"]["pairs"]]


def test_cli_models_info_of_a_conversion_folder(converted: dict[str, Path]) -> None:
    result = cli("models", "info", str(converted["marian-int8"]))
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    info = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert (info["backend"], info["family"], info["path"]) == ("ctranslate2", "marian", str(converted["marian-int8"]))
    assert info["architecture"] == {"model_type": "marian", "quantization": "int8", "max_position_embeddings": 256}
    vocabulary = json.loads((converted["marian-int8"] / "vocab.json").read_text(encoding="utf-8"))
    kept = (converted["marian-int8"] / "vmap.txt").read_text(encoding="utf-8").split()
    assert info["output_vocabulary"] == {"kept": len(kept), "of": len(vocabulary)}
