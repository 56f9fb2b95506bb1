"""Routing and sentence-by-sentence release translation on tiny models."""

from __future__ import annotations

from pathlib import Path

import pytest
import tinymodels

from arsum.errors import ModelUnavailable, UsageError
from arsum.models.config import load_config
from arsum.tasks.translation import (
    build_translator,
    release_segments,
    translate_releases,
)


def tiny_config(tmp_path: Path, marian: Path, nllb: Path) -> Path:
    path = tmp_path / "models.toml"
    path.write_text(
        f'[models.tiny-ar-en]\nsource = "{marian}"\nfamily = "marian"\ntasks = ["translate"]\nsrc_lang = "ar"\n'
        f'tgt_lang = "en"\n[models.tiny-ar-en.generation]\nnum_beams = 1\nmax_new_tokens = 8\n'
        f'[models.tiny-nllb]\nsource = "{nllb}"\nfamily = "nllb"\nsrc_lang = "arb_Arab"\n'
        f'[models.tiny-nllb.generation]\nnum_beams = 2\nmax_new_tokens = 8\n'
        f'[routing.translate]\nen = "tiny-ar-en"\ndefault = "tiny-nllb"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("target", "model", "expected"),
    [
        ("en", None, "Helsinki-NLP/opus-mt-tc-big-ar-en"),
        ("fr", None, "facebook/nllb-200-distilled-600M"),
        ("ur", None, "facebook/nllb-200-distilled-600M"),
        ("en", "opus-mt-ar-en", "Helsinki-NLP/opus-mt-ar-en"),
        ("de", "nllb-200-distilled-600m", "facebook/nllb-200-distilled-600M"),
    ],
)
def test_routing_and_model_override_by_name(target: str, model: str | None, expected: str) -> None:
    translator = build_translator(load_config(), target=target, model=model)
    assert (translator.model_id, translator.target) == (expected, target)


def test_model_override_by_folder(tiny_marian: Path) -> None:
    translator = build_translator(load_config(), target="en", model=str(tiny_marian))
    assert translator.model_id == str(tiny_marian) and translator.engine.spec.family == "marian"


def test_single_direction_model_refuses_other_targets() -> None:
    with pytest.raises(UsageError, match="model opus-mt-ar-en cannot translate into it; supported: en$"):
        build_translator(load_config(), target="fr", model="opus-mt-ar-en")


def test_release_translated_sentence_by_sentence_keeping_structure(tiny_marian: Path) -> None:
    release = tinymodels.make_release()
    translator = build_translator(load_config(), target="en", model=str(tiny_marian), device="cpu")
    [result] = translate_releases(translator, [release])
    assert [p.index for p in result.pairs] == [-1, -2, *[s.index for s in release.sentences]]
    assert [p.source for p in result.pairs] == [release.title, release.subtitle, *[s.text for s in release.sentences]]
    assert [p.paragraph for p in result.pairs[2:]] == [s.paragraph for s in release.sentences]
    assert all(p.translation for p in result.pairs)
    assert len({p.translation for p in result.pairs}) > len(result.pairs) // 2
    assert (result.model, result.source_lang, result.target_lang) == (str(tiny_marian), "ar", "en")
    assert result.generation == translator.settings
    # One sentence per model input: each pair equals translating that sentence alone.
    alone = [translator.translate([p.source]).texts[0] for p in result.pairs[:4]]
    assert alone == [p.translation for p in result.pairs[:4]]


def test_batching_across_releases_matches_per_release(tmp_path: Path, tiny_marian: Path, tiny_forced_bos: Path) -> None:
    config = load_config(tiny_config(tmp_path, tiny_marian, tiny_forced_bos), {})
    translator = build_translator(config, target="en")
    first = tinymodels.make_release(release_id="a")
    second = tinymodels.make_release("عنوان قصير\nالفقرة الأولى. والثانية هنا.\nفقرة أخرى.", release_id="b")
    together = translate_releases(translator, [first, second])
    assert [r.release.id for r in together] == ["a", "b"]
    assert [len(r.pairs) for r in together] == [len(release_segments(first)), len(release_segments(second))]
    assert [r.pairs for r in together] == [translate_releases(translator, [r])[0].pairs for r in (first, second)]
    assert together[0].generation["max_new_tokens"] == 8


def test_default_target_routes_to_multilingual_model_with_language_token(
    tmp_path: Path, tiny_marian: Path, tiny_forced_bos: Path
) -> None:
    config = load_config(tiny_config(tmp_path, tiny_marian, tiny_forced_bos), {})
    french = build_translator(config, target="fr")
    assert french.engine.spec.name == "tiny-nllb" and french.engine.target_token("fr") == "fra_Latn"
    sentences = [s.text for s in tinymodels.make_release().sentences]
    out_fr = french.translate(sentences).texts
    assert len(out_fr) == len(sentences)
    assert out_fr != build_translator(config, target="de").translate(sentences).texts


def test_missing_default_model_fails_at_first_use_with_pull_hint() -> None:
    translator = build_translator(load_config(), target="en")
    with pytest.raises(ModelUnavailable, match=r"run `arsum models pull opus-mt-tc-big-ar-en`"):
        translate_releases(translator, [tinymodels.make_release()])
