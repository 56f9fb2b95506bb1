"""English sentences: one splitter and one abbreviation list for the English summaries and for `arsum check`.

`check` scores the sentences a summary is made of; splitting its input another way (`Gen. Ali Hassan met Gov.` |
`Karimov in Baku`) would score other sentences than the ones the summary has.
"""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "col", "lt", "sgt", "capt", "gov", "sen", "rep", "pres", "vs", "etc", "inc", "ltd", "co", "corp", "no", "fig", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "e.g", "i.e", "u.s", "u.k", "u.n"]
)
"""Words that end with a dot and do not end a sentence (lower case, without the final dot)."""
_BOUNDARY = re.compile(r"(?<=[.!?])([\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_LINE = re.compile(r"[^\S\n]*\n\s*")


def _is_abbreviation(sentence: str) -> bool:
    last_word = sentence.rsplit(" ", 1)[-1].rstrip(".!?\"'”’)]").lower()
    return sentence.endswith(".") and (last_word in ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word) is not None)


def split_english_sentences(text: str) -> list[str]:
    """Sentences of English text: a line break ends one (a headline has no full stop); within a line, ., ! or ?
    then a space and a capital or digit, except after an abbreviation (`Gen.`, `U.S.`) or an initial (`J.`)."""
    sentences: list[str] = []
    for line in _LINE.split(text):
        line = " ".join(line.split())
        start = 0
        for match in _BOUNDARY.finditer(line):
            candidate = line[start : match.end(1)].strip()
            if _is_abbreviation(candidate):
                continue
            sentences.append(candidate)
            start = match.end()
        tail = line[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences
