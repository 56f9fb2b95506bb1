"""The output vocabulary: a Marian model writes only its target SentencePiece pieces, on both backends alike."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import tinymodels

from arsum.models.config import GenerationSettings, ModelSpec
from arsum.models.transformers_backend import TransformersBackend
from arsum.models.vocabulary import VMAP_FILE, output_vocabulary

SENTENCES = tinymodels.sample_lines()[:7]


def target_ids(folder: Path) -> set[int]:
    """The ids of the target model's pieces, plus </s> and <unk>, read independently of the code under test."""
    import sentencepiece

    vocabulary = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    target = sentencepiece.SentencePieceProcessor(model_file=str(folder / "target.spm"))
    pieces = {target.id_to_piece(i) for i in range(target.get_piece_size())} | {"</s>", "<unk>"}
    return {index for token, index in vocabulary.items() if token in pieces}


def copy_marian(tiny_models: dict[str, Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(tiny_models["marian"], tmp_path / "marian"))


def _own_target_vocabulary(folder: Path) -> None:
    (folder / "target_vocab.json").write_text((folder / "vocab.json").read_text(encoding="utf-8"), encoding="utf-8")


def _separate_vocabs_flag(folder: Path) -> None:
    config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    (folder / "tokenizer_config.json").write_text(json.dumps({**config, "separate_vocabs": True}), encoding="utf-8")


def _unrelated_target_model(folder: Path) -> None:
    lines = ["Съешь же ещё этих мягких французских булок да выпей чаю"] * 5
    (folder / "target.spm").write_bytes(tinymodels.marian_spm(40, lines))


def _broken_target_model(folder: Path) -> None:
    (folder / "target.spm").write_bytes(b"not a sentencepiece model")


def _no_vocabulary(folder: Path) -> None:
    (folder / "vocab.json").unlink()


@pytest.mark.parametrize(
    "change",
    [_own_target_vocabulary, _separate_vocabs_flag, _unrelated_target_model, _broken_target_model, _no_vocabulary],
)
def test_nothing_is_left_out_where_the_rule_does_not_apply(
    tiny_models: dict[str, Path], tmp_path: Path, change: Callable[[Path], None]
) -> None:
    folder = copy_marian(tiny_models, tmp_path)
    assert output_vocabulary(folder) is not None
    change(folder)
    assert output_vocabulary(folder) is None


def test_a_target_piece_the_map_cannot_list_leaves_the_vocabulary_whole(
    tiny_models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CTranslate2's map separates tokens with spaces and tabs: a piece holding one could never be written."""
    import arsum.models.vocabulary as module

    folder = copy_marian(tiny_models, tmp_path)
    vocabulary = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    (folder / "vocab.json").write_text(json.dumps({**vocabulary, "a\tb": len(vocabulary)}), encoding="utf-8")
    pieces = module._sentencepiece_pieces(folder / "target.spm")
    monkeypatch.setattr(module, "_sentencepiece_pieces", lambda path: pieces)
    assert output_vocabulary(folder) is not None
    monkeypatch.setattr(module, "_sentencepiece_pieces", lambda path: pieces | {"a\tb"})
    assert output_vocabulary(folder) is None


@pytest.mark.parametrize("name", ["mt5", "nllb"])
def test_models_with_one_vocabulary_for_both_sides_keep_it_whole(tiny_models: dict[str, Path], name: str) -> None:
    assert output_vocabulary(tiny_models[name]) is None


def test_marian_with_one_sentencepiece_model_for_both_sides_keeps_it_whole(tmp_path: Path) -> None:
    assert output_vocabulary(tinymodels.build_marian(tmp_path / "marian")) is None


def test_a_marian_model_keeps_its_target_pieces(tiny_models: dict[str, Path]) -> None:
    folder = tiny_models["marian"]
    vocabulary = output_vocabulary(folder)
    assert vocabulary is not None
    assert vocabulary.kept == target_ids(folder)
    assert len(vocabulary.kept) < len(vocabulary.vocabulary)


def test_the_conversion_carries_the_vocabulary_map(tiny_models: dict[str, Path], converted: dict[str, Path]) -> None:
    vocabulary = json.loads((tiny_models["marian"] / "vocab.json").read_text(encoding="utf-8"))
    by_id = {index: token for token, index in vocabulary.items()}
    kept = sorted(target_ids(tiny_models["marian"]))
    assert (converted["marian"] / VMAP_FILE).read_text(encoding="utf-8") == "\t" + " ".join(by_id[i] for i in kept) + "\n"
    metadata = json.loads((converted["marian"] / "arsum_ct2.json").read_text(encoding="utf-8"))
    assert metadata["output_vocabulary"] == {"kept": len(kept), "of": len(vocabulary)}
    for name in ("mt5", "nllb"):
        assert not (converted[name] / VMAP_FILE).exists()
        assert "output_vocabulary" not in json.loads((converted[name] / "arsum_ct2.json").read_text(encoding="utf-8"))


def unrestricted_ids(folder: Path, beams: int) -> set[int]:
    """What plain model.generate writes for the test sentences (decoder start and padding left out)."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForSeq2SeqLM.from_pretrained(str(folder)).eval()
    with torch.inference_mode():
        output = model.generate(**tokenizer(SENTENCES, return_tensors="pt", padding=True), num_beams=beams,
                                do_sample=False, max_new_tokens=16)
    return set(output.flatten().tolist()) - {tokenizer.pad_token_id}


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
@pytest.mark.parametrize("beams", [1, 3])
def test_both_backends_write_only_the_target_pieces(
    tiny_models: dict[str, Path], converted: dict[str, Path], monkeypatch: pytest.MonkeyPatch, backend: str, beams: int
) -> None:
    folder = tiny_models["marian"]
    kept = target_ids(folder)
    assert unrestricted_ids(folder, beams) - kept, "left alone, the tiny model would write source pieces: else this proves nothing"
    spec = ModelSpec(name="tiny-marian", source=str(folder), family="marian")
    written: set[int] = set()
    if backend == "transformers":
        engine = TransformersBackend(spec, device="cpu")
        tokenizer = engine.loaded.tokenizer
        original = tokenizer.batch_decode
        monkeypatch.setattr(tokenizer, "batch_decode", lambda ids, **kw: written.update(ids.flatten().tolist()) or original(ids, **kw))
    else:
        from arsum.models.ctranslate2_backend import CTranslate2Backend

        engine = CTranslate2Backend(spec, device="cpu", folder=converted["marian"])  # type: ignore[assignment]
        tokenizer = engine.loaded.tokenizer
        original = tokenizer.decode
        monkeypatch.setattr(tokenizer, "decode", lambda ids, **kw: written.update(ids) or original(ids, **kw))
    outputs = engine.generate(SENTENCES, GenerationSettings(num_beams=beams, max_new_tokens=16), None)
    assert len(outputs) == len(SENTENCES) and any(outputs)
    assert written - {tokenizer.pad_token_id} <= kept
    assert written & (kept - {tokenizer.eos_token_id, tokenizer.unk_token_id})
