"""The names models.toml and the options accept: one vocabulary, light to import (the CLI builds its choices from it)."""

from __future__ import annotations

FAMILIES = ("marian", "mt5", "t5", "nllb", "m2m100", "mbart50", "bart", "pegasus")
# auto: CTranslate2 when a conversion of the model exists (`arsum models pull` makes one), else transformers.
BACKENDS = ("auto", "transformers", "ctranslate2")
TASKS = ("translate", "summarize")
STRATEGIES = ("crosslingual", "translate-then-summarize", "extract-then-translate")
