"""The tokens a translation model may write: for OPUS-MT (Marian) models, its target SentencePiece pieces.

OPUS-MT models share one vocabulary (about 62k entries) between a source and a target SentencePiece model
(32k pieces each: "spm32k,spm32k" in their model cards). Training targets were cut by the target model only,
so the decoder was never taught to write a source-side piece. Leaving those entries out of the output layer
(the largest matrix in every decoder step) about halves it. Greedy output stays the same wherever the full
model's first choice is a target piece; beam scores are normalised over the entries kept. Both backends apply
the same rule, so `--backend` never changes which tokens can appear.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from arsum.models.folders import load_json, read_json_object

VMAP_FILE = "vmap.txt"
"""CTranslate2's vocabulary-mapping file in a conversion folder (read with `use_vmap`)."""

MAP_SEPARATORS = " \t\r\n"
"""What separates tokens, keys and lines in the map file."""

MIN_PIECES_FOUND = 0.5
"""Below this share of the target pieces in vocab.json, the files do not belong together: restrict nothing."""


@dataclass(frozen=True)
class OutputVocabulary:
    vocabulary: Mapping[str, int]  # the whole (shared) vocabulary, token -> id
    kept: frozenset[int]  # ids the decoder may write

    @property
    def kept_tokens(self) -> list[str]:
        """In id order, so the file written from them is the same on every run."""
        return [token for token, index in sorted(self.vocabulary.items(), key=lambda item: item[1]) if index in self.kept]


def output_vocabulary(folder: Path) -> OutputVocabulary | None:
    """The entries a Marian model's decoder may write, when they are fewer than its whole vocabulary.

    None for every model this does not apply to: one SentencePiece model for both sides (NLLB, mT5), separate
    target vocabularies, target pieces that all are in the vocabulary anyway, or files that do not match.
    """
    vocab_path, target_spm = folder / "vocab.json", folder / "target.spm"
    tokenizer_config = read_json_object(folder / "tokenizer_config.json")
    if (not vocab_path.is_file() or not target_spm.is_file() or (folder / "target_vocab.json").exists()
            or tokenizer_config.get("separate_vocabs")):
        return None
    try:
        vocabulary = load_json(vocab_path)
        pieces = _sentencepiece_pieces(target_spm)
    except (OSError, ValueError, RuntimeError):
        return None  # the tokenizer reports a broken file when it loads; nothing is restricted meanwhile
    if not isinstance(vocabulary, dict) or not all(isinstance(i, int) for i in vocabulary.values()):
        return None
    # CTranslate2 always allows end and unknown; Marian's pad is never written (CTranslate2 drops it from the model)
    specials = {_token_text(tokenizer_config.get(key), default) for key, default in (("eos_token", "</s>"), ("unk_token", "<unk>"))}
    pad = _token_text(tokenizer_config.get("pad_token"), "<pad>")
    found = pieces & vocabulary.keys()
    if len(found) < MIN_PIECES_FOUND * len(pieces):
        return None
    kept = frozenset(index for token, index in vocabulary.items() if token in found or token in specials)
    if not set(vocabulary.values()) - kept - {vocabulary.get(pad)}:
        return None
    if any(char in MAP_SEPARATORS for token in found for char in token):
        return None  # such a token could not be listed in the map, so it could never be written
    return OutputVocabulary(vocabulary=vocabulary, kept=kept)


def write_vocabulary_map(folder: Path, vocabulary: OutputVocabulary) -> None:
    """CTranslate2's format: `<source n-gram>\\t<target tokens>`; an empty n-gram lists tokens always allowed."""
    (folder / VMAP_FILE).write_text("\t" + " ".join(vocabulary.kept_tokens) + "\n", encoding="utf-8")


def _sentencepiece_pieces(path: Path) -> set[str]:
    import sentencepiece

    model = sentencepiece.SentencePieceProcessor(model_file=str(path))
    return {model.id_to_piece(i) for i in range(model.get_piece_size())}


def _token_text(value: object, default: str) -> str:
    """tokenizer_config.json spells a special token as a string or as {"content": ...}."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else default
