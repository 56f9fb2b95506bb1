"""Tiny, randomly initialised seq2seq models saved the way the real hub models are laid out.

No weights can be downloaded, so tests prove the real loading and generation code on models that
share the real families' vocabulary layout and special-token conventions but have a few thousand
parameters. Everything is deterministic (fixed seeds) and builds in about a second.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arsum.text.release import Release

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


def train_spm(model_type: str, vocab_size: int, *, lines: Iterable[str] | None = None, **options: int) -> bytes:
    """A SentencePiece model proto; `options` are trainer flags (special-token ids, num_threads)."""
    import sentencepiece as spm

    buf = io.BytesIO()
    settings: dict[str, int] = {"num_threads": 1, **options}
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([line for line in (sample_lines() if lines is None else lines) if line.strip()]),
        model_writer=buf,
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
        **settings,
    )
    return buf.getvalue()


def spm_pieces(proto: bytes) -> list[tuple[str, float]]:
    """Ordinary pieces and their scores; each family puts its own special tokens around them."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=proto)
    return [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())
            if not (sp.is_control(i) or sp.is_unknown(i))]


def dummy_pieces(have: int, want: int | None) -> list[str]:
    """`<dummy_N>` pieces (never produced by the tokenizer) that grow a vocabulary to a real model's size."""
    if want is None:
        return []
    if have > want:
        raise ValueError(f"SentencePiece gave {have} tokens, more than vocab_size {want}")
    return [f"<dummy_{i}>" for i in range(want - have)]


def bart_dims(d_model: int, layers: int, heads: int, ffn_dim: int, max_positions: int) -> dict[str, int]:
    """Marian and M2M100/NLLB config keys for the same encoder and decoder sizes."""
    return dict(
        d_model=d_model, encoder_layers=layers, decoder_layers=layers, encoder_attention_heads=heads,
        decoder_attention_heads=heads, encoder_ffn_dim=ffn_dim, decoder_ffn_dim=ffn_dim,
        max_position_embeddings=max_positions,
    )


def _init_and_save(model_class: Any, config: Any, dest: Path, *, seed: int, safetensors: bool = True,
                   max_length: int = TINY_MAX_LENGTH, **generation: Any) -> Path:
    """Seeded random weights, then the folder layout `from_pretrained` expects."""
    import torch

    torch.manual_seed(seed)
    model = model_class(config).eval()
    # Random weights never emit </s>: keep default decoding short so `--model FOLDER` runs stay fast.
    model.generation_config.num_beams = 1
    model.generation_config.max_length = max_length
    for key, value in generation.items():
        setattr(model.generation_config, key, value)
    if safetensors:
        model.save_pretrained(dest)
        return dest
    # transformers 5 only writes safetensors; write the legacy layout by hand for the weights-only path.
    model.config.save_pretrained(dest)
    model.generation_config.save_pretrained(dest)
    state = {k: v.contiguous().clone() for k, v in model.state_dict().items()}
    torch.save(state, dest / "pytorch_model.bin")
    return dest


def marian_spm(vocab_size: int = 300, lines: Iterable[str] | None = None, **options: int) -> bytes:
    """A SentencePiece model as opus-mt ships them (no control pieces besides `<unk>`)."""
    return train_spm("unigram", vocab_size, lines=lines, **{"unk_id": 0, "bos_id": -1, "eos_id": -1, "pad_id": -1, **options})


def build_marian(dest: Path, *, safetensors: bool = True, seed: int = 0, proto: bytes | None = None,
                 target_proto: bytes | None = None, vocab_size: int | None = None, d_model: int = 16, layers: int = 1,
                 heads: int = 2, ffn_dim: int = 32, max_positions: int = 256, max_length: int = TINY_MAX_LENGTH,
                 **config: Any) -> Path:
    """opus-mt layout: `</s>` 0, `<unk>` 1, source pieces, any target-only pieces, `<pad>` last and used as decoder
    start (never generated): one vocabulary shared by a source and a target SentencePiece model.

    `target_proto` defaults to the source one; `vocab_size` pads the vocabulary with dummy pieces; `config`
    overrides MarianConfig keys.
    """
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    dest.mkdir(parents=True, exist_ok=True)
    proto = proto or marian_spm()
    (dest / "source.spm").write_bytes(proto)
    (dest / "target.spm").write_bytes(target_proto or proto)
    vocab: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for piece, _ in spm_pieces(proto) + (spm_pieces(target_proto) if target_proto else []):
        vocab.setdefault(piece, len(vocab))
    for piece in dummy_pieces(len(vocab) + 1, vocab_size):
        vocab[piece] = len(vocab)
    vocab["<pad>"] = pad = len(vocab)
    (dest / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = MarianTokenizer(
        source_spm=str(dest / "source.spm"),
        target_spm=str(dest / "target.spm"),
        vocab=str(dest / "vocab.json"),
        source_lang="ar",
        target_lang="en",
    )
    tokenizer.save_pretrained(dest)
    settings: dict[str, Any] = dict(
        vocab_size=len(vocab), **bart_dims(d_model, layers, heads, ffn_dim, max_positions),
        pad_token_id=pad, eos_token_id=0, forced_eos_token_id=0, decoder_start_token_id=pad,
        share_encoder_decoder_embeddings=True, init_std=INIT_STD, scale_embedding=True,
    )
    return _init_and_save(MarianMTModel, MarianConfig(**{**settings, **config}), dest, seed=seed,
                          safetensors=safetensors, max_length=max_length, bad_words_ids=[[pad]])


def build_mt5(dest: Path, *, seed: int = 0, proto: bytes | None = None, vocab_size: int | None = None,
              extra_ids: int = 8, d_model: int = 16, layers: int = 1, heads: int = 2, d_ff: int = 32, d_kv: int = 8,
              max_length: int = TINY_MAX_LENGTH, **config: Any) -> Path:
    """mT5 layout (`<pad>` 0, `</s>` 1, `<unk>` 2) with crossSum-style language tokens in config.json.

    `vocab_size` (extra ids included) pads the vocabulary with dummy pieces; `config` overrides MT5Config keys.
    """
    from transformers import MT5Config, MT5ForConditionalGeneration, T5Tokenizer

    dest.mkdir(parents=True, exist_ok=True)
    proto = proto or train_spm("unigram", 300, pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), *spm_pieces(proto)]
    want = None if vocab_size is None else vocab_size - extra_ids
    pieces += [(piece, -1e9) for piece in dummy_pieces(len(pieces), want)]
    tokenizer = T5Tokenizer(vocab=pieces, extra_ids=extra_ids)
    tokenizer.save_pretrained(dest)
    settings: dict[str, Any] = dict(
        vocab_size=len(tokenizer), d_model=d_model, d_kv=d_kv, d_ff=d_ff, num_layers=layers,
        num_decoder_layers=layers, num_heads=heads, relative_attention_num_buckets=8,
        relative_attention_max_distance=32, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
        tie_word_embeddings=False, initializer_factor=MT5_INIT_FACTOR,
        task_specific_params={"langid_map": MT5_LANGID_MAP},
    )
    return _init_and_save(MT5ForConditionalGeneration, MT5Config(**{**settings, **config}), dest, seed=seed,
                          max_length=max_length)


def build_nllb(dest: Path, *, seed: int = 0) -> Path:
    """NLLB layout: fairseq ids (`<s>` 0 `<pad>` 1 `</s>` 2 `<unk>` 3), then pieces, then language codes."""
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
        vocab_size=len(tokenizer), **bart_dims(16, 1, 2, 32, 256), pad_token_id=1, bos_token_id=0, eos_token_id=2,
        decoder_start_token_id=2, init_std=INIT_STD, scale_embedding=True,
    )
    return _init_and_save(M2M100ForConditionalGeneration, config, dest, seed=seed)


def build_all(root: Path) -> dict[str, Path]:
    """Every tiny model the tests use, keyed by fixture name."""
    # as in opus-mt: a source and a target SentencePiece model, and the decoder writes only the target's pieces
    # (a smaller model on the same lines: English-only lines would leave too few pieces for varied output)
    target = marian_spm(200)
    return {
        "marian": build_marian(root / "tiny-marian", target_proto=target),
        "marian_bin": build_marian(root / "tiny-marian-bin", target_proto=target, safetensors=False),
        "mt5": build_mt5(root / "tiny-mt5"),
        "nllb": build_nllb(root / "tiny-nllb"),
    }


if __name__ == "__main__":  # pragma: no cover - manual helper: python tests/tinymodels.py DEST
    import sys

    for name, path in build_all(Path(sys.argv[1] if len(sys.argv) > 1 else "tiny-models")).items():
        print(name, path)


class PicklePayload:
    """Unpickled by a full unpickler, this runs code: it creates the marker file (a model folder must never run it)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204
        return exec, (f"open({str(self.marker)!r}, 'w').close()",)


def remote_code_copy(src: Path, dest: Path, marker: Path, base: str, auto_model: str) -> Path:
    """A copy of a model folder whose config.json names code of its own (`auto_map`) that creates `marker` when run.

    `base` is the transformers model class the remote code subclasses (its config class is `base` less "Model",
    less "MTModel" for Marian); `auto_model` the Auto class it claims (AutoModel, AutoModelForSeq2SeqLM).
    """
    import json
    import shutil

    shutil.copytree(src, dest)
    config_class = base.removesuffix("MTModel").removesuffix("Model") + "Config"
    (dest / "evil.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        f"from transformers import {config_class}, {base}\n"
        f"class EvilConfig({config_class}):\n    pass\n"
        f"class EvilModel({base}):\n    config_class = EvilConfig\n",
        encoding="utf-8",
    )
    config = json.loads((dest / "config.json").read_text(encoding="utf-8"))
    config["auto_map"] = {"AutoConfig": "evil.EvilConfig", auto_model: "evil.EvilModel"}
    (dest / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return dest


def broken_copy(src: Path, dest: Path, how: str) -> Path:
    """A copy of a model folder, broken the way a failed download or a mixed-up folder is."""
    import shutil

    shutil.copytree(src, dest)
    if how == "config-json":
        (dest / "config.json").write_text('{"model_type": "marian",', encoding="utf-8")
    elif how == "no-config":
        (dest / "config.json").unlink()
    elif how == "truncated":
        data = (dest / "model.safetensors").read_bytes()
        (dest / "model.safetensors").write_bytes(data[: len(data) // 3])
    elif how == "truncated-bin":
        data = (dest / "pytorch_model.bin").read_bytes()
        (dest / "pytorch_model.bin").write_bytes(data[: len(data) // 3])
    elif how == "no-weights":
        (dest / "model.safetensors").unlink()
    elif how == "tokenizer-too-big":
        vocab = json.loads((dest / "vocab.json").read_text(encoding="utf-8"))
        vocab.update({f"extra{i}": len(vocab) + i for i in range(50)})
        (dest / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    elif how == "no-tokenizer":
        for name in ("vocab.json", "source.spm", "target.spm"):
            (dest / name).unlink()
    elif how == "wrong-shapes":
        cfg = json.loads((dest / "config.json").read_text(encoding="utf-8"))
        cfg["d_model"] = 32
        (dest / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    return dest


HUB_COMMIT = "0123456789abcdef0123456789abcdef01234567"


def fake_hub_download(folder: Path, repo_id: str) -> Path:
    """Lay out a folder the way huggingface_hub caches a download (refs/main -> snapshots/<commit>)."""
    import shutil

    from arsum.models.store import hub_cache_dir

    repo = hub_cache_dir() / f"models--{repo_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(HUB_COMMIT, encoding="utf-8")
    snapshot = repo / "snapshots" / HUB_COMMIT
    shutil.copytree(folder, snapshot, dirs_exist_ok=True)
    return snapshot


def make_release(text: str | None = None, *, release_id: str = "seed") -> Release:
    """A Release built without the parser (owned elsewhere): title, subtitle, body sentences split at `.`."""
    import re

    from arsum.text.release import Release, Sentence

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


def body_release(
    sentences: list[str],
    *,
    title: str,
    dateline: str | None = None,
    offset: int = 0,
    per_paragraph: int = 1,
    release_id: str = "t#1",
) -> Release:
    """A Release whose body is exactly `sentences` (`per_paragraph` to a paragraph), for tests of scorers."""
    from arsum.text.release import Release, Sentence

    return Release(
        id=release_id, source="test", encoding="utf-8", title=title, subtitle=None, desk=None, dateline=dateline,
        paragraphs=tuple(sentences),
        sentences=tuple(
            Sentence(index=offset + i, text=s, paragraph=i // per_paragraph) for i, s in enumerate(sentences)
        ),
    )
