"""Randomly initialised seq2seq models with the real dimensions of arsum's default models.

Weights cannot be downloaded here, and speed does not depend on the weights' values: a random
model of the right shape, forced to a fixed output length, costs what the real one does. The
tokenizers are SentencePiece models trained on the SPA releases; their vocabularies are padded
with dummy pieces (`<dummy_N>`, never produced when tokenising Arabic) up to the real model's
vocabulary size, so the embedding and output-projection matrices have their real shapes.

The Marian model has opus-mt's two-sided layout: each side has its own SentencePiece model (Arabic trained on
the SPA releases, English on the English references of ../shared/eval/parallel/), and one vocabulary holds both.
opus-mt models cut each side with a 32k-piece model ("spm32k,spm32k" in their model cards), so the target
SentencePiece model is grown to 32,000 pieces with `<dummy_target_N>` pieces: the decoder may write those 32k
of the 62k entries (arsum.models.vocabulary), as it may with the real model.

The builders are the tests' tiny-model builders (tests/tinymodels.py) at real sizes, so the benchmark
models have the same opus-mt / mT5 vocabulary layouts that the tests prove arsum handles.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import tinymodels  # noqa: E402

# Helsinki-NLP/opus-mt-ar-en: 6+6 layers, d_model 512, 8 heads, FFN 2048, swish, shared embeddings, ~62k vocabulary.
MARIAN_OPUS_AR_EN: dict[str, Any] = dict(
    vocab_size=62_000, d_model=512, layers=6, heads=8, ffn_dim=2048, max_positions=512, max_length=512,
    activation_function="swish", init_std=0.02, tie_word_embeddings=True,
)
# google/mt5-small (and csebuetnlp's mT5 fine-tunes): d_model 512, 8+8 layers, 6 heads, d_ff 1024,
# gated GELU, untied output projection, 250,112 vocabulary.
MT5_SMALL: dict[str, Any] = dict(
    vocab_size=250_112, extra_ids=0, d_model=512, layers=8, heads=6, d_ff=1024, d_kv=64, max_length=512,
    feed_forward_proj="gated-gelu", relative_attention_num_buckets=32, relative_attention_max_distance=128,
    initializer_factor=1.0, task_specific_params=None,
)
SMALL = {  # `--quick`: the same layouts, shrunk for smoke runs of the harness itself
    "marian": dict(vocab_size=2_000, d_model=64, layers=2, heads=4, ffn_dim=128),
    "mt5": dict(vocab_size=2_000, d_model=64, layers=2, heads=4, d_ff=128, d_kv=16),
}
SPM_PIECES = 8_000  # what ~225 kB of SPA text supports; the rest of the vocabulary is dummy pieces
TARGET_PIECES = {False: 32_000, True: 600}  # the English SentencePiece model's size: real, --small-models
ENGLISH = Path(__file__).resolve().parents[2] / "shared" / "eval" / "parallel"


def train_sentencepiece(texts: list[str], vocab_size: int = SPM_PIECES, **options: Any) -> bytes:
    """Unigram pieces from the benchmark's own text; `hard_vocab_limit=False` lets small corpora end below the ask."""
    return tinymodels.train_spm("unigram", vocab_size, lines=texts, **{"unk_id": 0, "bos_id": -1, "eos_id": 1, "pad_id": -1,
                                "num_threads": os.cpu_count() or 1, **options})


def english_lines() -> list[str]:
    lines = [line for path in sorted(ENGLISH.glob("*/reference.en"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not lines:
        raise SystemExit(f"no */reference.en under {ENGLISH}: the Marian benchmark model needs English text")
    return lines


def target_sentencepiece(pieces: int, *, small: bool) -> bytes:
    """English pieces, grown with dummy pieces to `pieces` in all (what the text supports is learnt first)."""
    lines = english_lines()
    learnt = train_sentencepiece(lines, 500 if small else SPM_PIECES, eos_id=-1)
    have = len(tinymodels.spm_pieces(learnt)) + 1  # + <unk>
    dummies = [f"<dummy_target_{i}>" for i in range(max(0, pieces - have))]
    return train_sentencepiece(lines, pieces, eos_id=-1, user_defined_symbols=dummies)


def build(family: str, folder: Path, texts: list[str], *, small: bool = False) -> Path:
    """Build one benchmark model; `small` shrinks it for smoke tests of the harness itself."""
    builders = {"marian": (tinymodels.build_marian, MARIAN_OPUS_AR_EN), "mt5": (tinymodels.build_mt5, MT5_SMALL)}
    if family not in builders:
        raise ValueError(f"unknown family {family!r}")
    builder, dims = builders[family]
    proto = train_sentencepiece(texts, 1_000 if small else SPM_PIECES)
    sides = {"target_proto": target_sentencepiece(TARGET_PIECES[small], small=small)} if family == "marian" else {}
    if folder.exists():
        shutil.rmtree(folder)
    return builder(folder, proto=proto, **sides, **{**dims, **(SMALL[family] if small else {})})
