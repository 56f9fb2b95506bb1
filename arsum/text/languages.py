"""Language names as people type them (`english`, `English`, `العربية`, `Français`) turned into language codes.

Names come from the Unicode CLDR through Babel: English and Arabic names of every language, then each known
language's own name. Codes pass through untouched, so `--to fr` never loads Babel; what is neither a known code
nor a name also passes through, and the model routing refuses it with the list of codes that work.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from functools import lru_cache

_CODE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
_ARABIC_FOLDS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي"})


def fold(name: str) -> str:
    """A name as compared: no case, accents, harakat or tatweel, alef forms unified, no leading `ال` or feminine
    ending, one space."""
    decomposed = unicodedata.normalize("NFKD", name.replace("\u0640", ""))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().translate(_ARABIC_FOLDS)
    words = re.sub(r"[\s\-_()]+", " ", bare).split()
    words = [w[2:] if w.startswith("ال") and len(w) > 3 else w for w in words]  # العربية = عربية
    return " ".join(re.sub(r"يه$", "ي", w) for w in words)  # the feminine adjective = the masculine: عربية = عربي


def _code(key: str) -> str:
    """CLDR's `zh_Hant` is arsum's `zh-Hant`; regions stay for the routing to drop (`en_US` -> `en-US`)."""
    return key.replace("_", "-")


@lru_cache(maxsize=1)
def _cldr_names() -> dict[str, str]:
    """Folded English and Arabic names -> code (English first: a name both have keeps its English sense)."""
    from babel import Locale

    names: dict[str, str] = {}
    for locale in ("en", "ar"):
        for key, name in Locale.parse(locale).languages.items():
            names.setdefault(fold(name), _code(key))
    return names


@lru_cache(maxsize=1)
def _cldr_codes() -> frozenset[str]:
    from babel import Locale

    return frozenset(key.split("_")[0].lower() for key in Locale.parse("en").languages)


def _autonym(code: str) -> str | None:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def language_code(value: str, known: Collection[str] = ()) -> str:
    """The code for `value`: a code as given (`fr`, `zh-Hant`, `fra_Latn`), else the language it names (`english`
    -> `en`, `العربية` -> `ar`, `Français` -> `fr`, among `known` codes for own-language names); else `value`."""
    text = value.strip()
    if not text:
        return value
    base = re.split(r"[-_]", text, maxsplit=1)[0].lower()
    if _CODE.fullmatch(text) and (base in {re.split(r"[-_]", k, maxsplit=1)[0].lower() for k in known}
                                  or (len(base) == 2 and base.isascii()) or base in _cldr_codes()):
        return text
    wanted = fold(text)
    if wanted in _cldr_names():
        return _cldr_names()[wanted]
    for code in known:
        autonym = _autonym(code)
        if autonym and fold(autonym) == wanted:
            return code
    return text


def english_name(code: str) -> str:
    """`fr` -> `French`, `zh-Hant` -> `Traditional Chinese`; '' for a code CLDR does not name."""
    from babel import Locale

    languages = Locale.parse("en").languages
    return str(languages.get(code.replace("-", "_")) or languages.get(code.split("-")[0]) or "")
