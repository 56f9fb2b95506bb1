"""The output contract: JSON Schemas of the records arsum prints, shipped with the package.

One file per record type; the definitions they share (the release header, flags, support settings, generation
settings) live once in common.json and are merged into each schema on loading, so what `arsum schema NAME`
prints is self-contained and any JSON Schema validator (draft 2020-12) can use it. A change to the output is a
change to these files; bump the version in the schema's `$id` when a field is removed or changes meaning.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

SCHEMA_VERSION = 1
NAMES = ("summarize", "translate", "check", "error", "digest")


def _read(name: str) -> dict[str, Any]:
    return json.loads(resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8"))


def load_schema(name: str) -> dict[str, Any]:
    """The schema of one record type (one of NAMES), with the shared definitions merged in."""
    if name not in NAMES:
        raise KeyError(f"no schema named {name!r}; known: {', '.join(NAMES)}")
    schema = _read(name)
    borrowed: dict[str, Any] = {}
    if name == "digest":  # a story's summary is summarize's, field for field
        summarize = _read("summarize")
        borrowed = {**summarize["$defs"], **{k: summarize["properties"][k] for k in ("arabic_summary", "arabic_method")}}
    schema["$defs"] = {**_read("common")["$defs"], **borrowed, **schema.get("$defs", {})}
    return schema
