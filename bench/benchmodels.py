"""Randomly initialised seq2seq models with the real dimensions of arsum's default models.

Weights cannot be downloaded here, and speed does not depend on the weights' values: a random
model of the right shape, forced to a fixed output length, costs what the real one does. The
tokenizers are SentencePiece models trained on the SPA releases; their vocabularies are padded
with dummy pieces (`<dummy_N>`, never produced when tokenising Arabic) up to the real model's
vocabulary size, so the embedding and output-projection matrices have their real shapes.

Marian follows the real opus-mt layout that CTranslate2's converter expects: `</s>` is id 0,
`<unk>` id 1, `<pad>` is the last id and the decoder start token.
"""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

# Helsinki-NLP/opus-mt-ar-en: 6+6 layers, d_model 512, 8 heads, FFN 2048, shared embeddings, ~62k vocabulary.
MARIAN_OPUS_AR_EN = dict(
    vocab_size=62_000, d_model=512, layers=6, heads=8, ffn_dim=2048, max_positions=512
)
# google/mt5-small (and csebuetnlp's mT5 fine-tunes): d_model 512, 8+8 layers, 6 heads, d_ff 1024,
# gated GELU, untied output projection, 250,112 vocabulary.
MT5_SMALL = dict(vocab_size=250_112, d_model=512, layers=8, heads=6, d_ff=1024, d_kv=64)

SPM_PIECES = 8_000  # what ~225 kB of SPA text supports; the rest of the vocabulary is dummy pieces


@dataclass(frozen=True)
class BuiltModel:
    family: str
    folder: Path
    parameters: int
    vocab_size: int


def train_sentencepiece(texts: Iterable[str], vocab_size: int = SPM_PIECES) -> bytes:
    """Train a unigram SentencePiece model; `hard_vocab_limit=False` lets small corpora end below the ask."""
    import sentencepiece as spm

    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([t for t in texts if t.strip()]),
        model_writer=buffer,
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        model_type="unigram",
        character_coverage=1.0,
        unk_id=0,
        bos_id=-1,
        eos_id=1,
        pad_id=-1,
        minloglevel=2,
    )
    return buffer.getvalue()


def _pieces(spm_bytes: bytes) -> list[tuple[str, float]]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=spm_bytes)
    return [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())
            if not (sp.is_control(i) or sp.is_unknown(i))]


def build_marian(folder: Path, spm_bytes: bytes, *, vocab_size: int, d_model: int, layers: int,
                 heads: int, ffn_dim: int, max_positions: int = 512, seed: int = 0) -> BuiltModel:
    """Save a random MarianMT model + MarianTokenizer with the opus-mt vocabulary layout."""
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "source.spm").write_bytes(spm_bytes)
    (folder / "target.spm").write_bytes(spm_bytes)
    pieces = [p for p, _ in _pieces(spm_bytes)]
    vocab = ["</s>", "<unk>", *pieces]
    if len(vocab) + 1 > vocab_size:
        raise ValueError(f"SentencePiece gave {len(vocab)} pieces, more than vocab_size {vocab_size}")
    vocab += [f"<dummy_{i}>" for i in range(vocab_size - 1 - len(vocab))]
    vocab.append("<pad>")
    (folder / "vocab.json").write_text(json.dumps({p: i for i, p in enumerate(vocab)}, ensure_ascii=False))
    tokenizer = MarianTokenizer(str(folder / "source.spm"), str(folder / "target.spm"),
                                str(folder / "vocab.json"), model_max_length=max_positions)
    tokenizer.save_pretrained(folder)

    pad = vocab_size - 1
    config = MarianConfig(
        vocab_size=vocab_size, decoder_vocab_size=vocab_size, d_model=d_model,
        encoder_layers=layers, decoder_layers=layers,
        encoder_attention_heads=heads, decoder_attention_heads=heads,
        encoder_ffn_dim=ffn_dim, decoder_ffn_dim=ffn_dim, activation_function="swish",
        max_position_embeddings=max_positions, scale_embedding=True,
        share_encoder_decoder_embeddings=True, tie_word_embeddings=True,
        pad_token_id=pad, eos_token_id=0, decoder_start_token_id=pad, forced_eos_token_id=0,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    model.generation_config = GenerationConfig(
        pad_token_id=pad, eos_token_id=0, decoder_start_token_id=pad, forced_eos_token_id=0,
        bad_words_ids=[[pad]], num_beams=1, max_length=max_positions,
    )
    model.save_pretrained(folder)
    return BuiltModel("marian", folder, sum(p.numel() for p in model.parameters()), vocab_size)


def build_mt5(folder: Path, spm_bytes: bytes, *, vocab_size: int, d_model: int, layers: int,
              heads: int, d_ff: int, d_kv: int = 64, seed: int = 0) -> BuiltModel:
    """Save a random MT5ForConditionalGeneration + T5Tokenizer (pad 0, eos 1, unk 2, as mT5 has)."""
    import torch
    from transformers import GenerationConfig, MT5Config, MT5ForConditionalGeneration, T5Tokenizer

    folder.mkdir(parents=True, exist_ok=True)
    pieces = _pieces(spm_bytes)
    vocab: list[tuple[str, float]] = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), *pieces]
    vocab += [(f"<dummy_{i}>", -1e9) for i in range(vocab_size - len(vocab))]
    tokenizer = T5Tokenizer(vocab=vocab, extra_ids=0)
    tokenizer.save_pretrained(folder)

    config = MT5Config(
        vocab_size=vocab_size, d_model=d_model, d_kv=d_kv, d_ff=d_ff, num_layers=layers,
        num_decoder_layers=layers, num_heads=heads, feed_forward_proj="gated-gelu",
        tie_word_embeddings=False, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
    )
    torch.manual_seed(seed)
    model = MT5ForConditionalGeneration(config).eval()
    model.generation_config = GenerationConfig(pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    model.save_pretrained(folder)
    return BuiltModel("mt5", folder, sum(p.numel() for p in model.parameters()), vocab_size)


def build(family: str, folder: Path, texts: list[str], *, small: bool = False) -> BuiltModel:
    """Build one benchmark model; `small` shrinks it for smoke tests of the harness itself."""
    spm_bytes = train_sentencepiece(texts, 1_000 if small else SPM_PIECES)
    if folder.exists():
        shutil.rmtree(folder)
    if family == "marian":
        dims = dict(MARIAN_OPUS_AR_EN)
        if small:
            dims.update(vocab_size=2_000, d_model=64, layers=2, heads=4, ffn_dim=128)
        return build_marian(folder, spm_bytes, **dims)
    if family == "mt5":
        dims = dict(MT5_SMALL)
        if small:
            dims.update(vocab_size=2_000, d_model=64, layers=2, heads=4, d_ff=128, d_kv=16)
        return build_mt5(folder, spm_bytes, **dims)
    raise ValueError(f"unknown family {family!r}")
