"""Tiny, randomly initialised seq2seq models saved the way the real hub models are laid out.

No weights can be downloaded, so tests prove the real loading and generation code on models that
share the real families' vocabulary layout and special-token conventions but have a few thousand
parameters. Everything is deterministic (fixed seeds) and builds in about a second.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from arsum.results import Release

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_RELEASE = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"

ENGLISH_LINES = (
    "The president met the delegation in Brussels.",
    "Energy security of Europe was discussed at the meeting.",
    "The ministers agreed to continue the political dialogue.",
    "Peace talks between the two countries made progress this week.",
    "The agency reported that the summit will take place next month.",
    "Officials expressed support for regional transport links.",
)

# Language tokens of the tiny cross-lingual mT5, stored in config.json like crossSum does.
INIT_STD = 1.0  # large weights make the output depend on the input, so order/count tests can fail
MT5_INIT_FACTOR = 8.0
TINY_MAX_LENGTH = 12
MT5_LANGID_MAP = {"english": [0, "<extra_id_3>"], "arabic": [1, "<extra_id_5>"]}


def sample_lines() -> list[str]:
    """Arabic seed release plus a little English: enough to give both scripts real pieces."""
    arabic = [line.strip() for line in SEED_RELEASE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return arabic + list(ENGLISH_LINES) * 3


def train_spm(model_type: str, vocab_size: int, **ids: int) -> bytes:
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sample_lines()),
        model_writer=buf,
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
        num_threads=1,
        **ids,
    )
    return buf.getvalue()



def _save(model: object, dest: Path, *, safetensors: bool) -> None:
    import torch

    # Random weights never emit </s>: keep default decoding short so `--model FOLDER` runs stay fast.
    model.generation_config.num_beams = 1  # type: ignore[attr-defined]
    model.generation_config.max_length = TINY_MAX_LENGTH  # type: ignore[attr-defined]

    if safetensors:
        model.save_pretrained(dest)  # type: ignore[attr-defined]
        return
    # transformers 5 only writes safetensors; write the legacy layout by hand for the weights-only path.
    model.config.save_pretrained(dest)  # type: ignore[attr-defined]
    model.generation_config.save_pretrained(dest)  # type: ignore[attr-defined]
    state = {k: v.contiguous().clone() for k, v in model.state_dict().items()}  # type: ignore[attr-defined]
    torch.save(state, dest / "pytorch_model.bin")


def build_marian(dest: Path, *, safetensors: bool = True, seed: int = 0) -> Path:
    """opus-mt layout: `</s>` 0, `<unk>` 1, pieces, `<pad>` last and used as decoder start."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    dest.mkdir(parents=True, exist_ok=True)
    proto = train_spm("unigram", 300, unk_id=0, bos_id=-1, eos_id=-1, pad_id=-1)
    (dest / "source.spm").write_bytes(proto)
    (dest / "target.spm").write_bytes(proto)
    sp = spm.SentencePieceProcessor(model_proto=proto)
    vocab: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for i in range(sp.get_piece_size()):
        piece = sp.id_to_piece(i)
        if piece not in vocab and not sp.is_control(i) and not sp.is_unknown(i):
            vocab[piece] = len(vocab)
    vocab["<pad>"] = len(vocab)
    (dest / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = MarianTokenizer(
        source_spm=str(dest / "source.spm"),
        target_spm=str(dest / "target.spm"),
        vocab=str(dest / "vocab.json"),
        source_lang="ar",
        target_lang="en",
    )
    tokenizer.save_pretrained(dest)
    pad = vocab["<pad>"]
    config = MarianConfig(
        vocab_size=len(vocab),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=256,
        pad_token_id=pad,
        eos_token_id=0,
        forced_eos_token_id=0,
        decoder_start_token_id=pad,
        share_encoder_decoder_embeddings=True,
        init_std=INIT_STD,
        scale_embedding=True,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    _save(model, dest, safetensors=safetensors)
    return dest


def build_mt5(dest: Path, *, seed: int = 0) -> Path:
    """mT5 layout (`<pad>` 0, `</s>` 1, `<unk>` 2) with crossSum-style language tokens in config.json."""
    import sentencepiece as spm
    import torch
    from transformers import MT5Config, MT5ForConditionalGeneration, T5Tokenizer

    dest.mkdir(parents=True, exist_ok=True)
    proto = train_spm("unigram", 300, pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
    sp = spm.SentencePieceProcessor(model_proto=proto)
    pieces = [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())]
    tokenizer = T5Tokenizer(vocab=pieces, extra_ids=8)
    tokenizer.save_pretrained(dest)
    config = MT5Config(
        vocab_size=len(tokenizer),
        d_model=16,
        d_kv=8,
        d_ff=32,
        num_layers=1,
        num_decoder_layers=1,
        num_heads=2,
        relative_attention_num_buckets=8,
        relative_attention_max_distance=32,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
        tie_word_embeddings=False,
        initializer_factor=MT5_INIT_FACTOR,
        task_specific_params={"langid_map": MT5_LANGID_MAP},
    )
    torch.manual_seed(seed)
    model = MT5ForConditionalGeneration(config).eval()
    _save(model, dest, safetensors=True)
    return dest


def build_nllb(dest: Path, *, seed: int = 0) -> Path:
    """NLLB layout: fairseq ids (`<s>` 0 `<pad>` 1 `</s>` 2 `<unk>` 3), then pieces, then language codes."""
    import torch
    from tokenizers.models import BPE
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.convert_slow_tokenizer import SentencePieceExtractor

    dest.mkdir(parents=True, exist_ok=True)
    proto = train_spm("bpe", 300, unk_id=0, bos_id=1, eos_id=2, pad_id=-1)
    spm_path = dest / "sentencepiece.bpe.model"
    spm_path.write_bytes(proto)
    extracted = SentencePieceExtractor(str(spm_path)).extract(BPE)
    vocab: dict[str, int] = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece, _ in sorted(extracted["vocab"].items(), key=lambda kv: kv[1]):
        vocab.setdefault(piece, len(vocab))
    tokenizer = NllbTokenizer(vocab=vocab, merges=extracted["merges"], src_lang="arb_Arab")
    tokenizer.save_pretrained(dest)
    spm_path.unlink()
    config = M2M100Config(
        vocab_size=len(tokenizer),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=256,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        init_std=INIT_STD,
        scale_embedding=True,
    )
    torch.manual_seed(seed)
    model = M2M100ForConditionalGeneration(config).eval()
    _save(model, dest, safetensors=True)
    return dest


def build_all(root: Path) -> dict[str, Path]:
    """Every tiny model the tests use, keyed by fixture name."""
    return {
        "marian": build_marian(root / "tiny-marian"),
        "marian_bin": build_marian(root / "tiny-marian-bin", safetensors=False),
        "mt5": build_mt5(root / "tiny-mt5"),
        "nllb": build_nllb(root / "tiny-nllb"),
    }


if __name__ == "__main__":  # pragma: no cover - manual helper: python tests/tinymodels.py DEST
    import sys

    for name, path in build_all(Path(sys.argv[1] if len(sys.argv) > 1 else "tiny-models")).items():
        print(name, path)


def make_release(text: str | None = None, *, release_id: str = "seed") -> Release:
    """A Release built without the parser (owned elsewhere): title, subtitle, body sentences split at `.`."""
    import re

    from arsum.results import Release, Sentence

    lines = [line.strip() for line in (text or SEED_RELEASE.read_text(encoding="utf-8")).splitlines() if line.strip()]
    title, subtitle, body = lines[0], (lines[1] if len(lines) > 2 else None), lines[2:] if len(lines) > 2 else lines[1:]
    sentences = []
    for p, paragraph in enumerate(body):
        for part in re.split(r"(?<=[.!؟?])\s+", paragraph):
            if part.strip():
                sentences.append(Sentence(index=len(sentences), text=part.strip(), paragraph=p))
    return Release(
        id=release_id, source=str(SEED_RELEASE), encoding="utf-8", title=title, subtitle=subtitle, desk=None,
        dateline=None, paragraphs=tuple(body), sentences=tuple(sentences),
    )
