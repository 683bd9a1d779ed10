"""Vietnamese text normalisation shared by names, places and search."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_KEY = re.compile(r"[^a-z0-9 ]")


def normalize_text(value: str) -> str:
    """Return `value` in NFC with runs of white space collapsed to one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value or "")).strip()


def fold(value: str) -> str:
    """Fold Vietnamese text to a search key: no tone marks, đ→d, lower case.

    NFD and NFC input, and the old and new tone placement (Hòa / Hoà), give the same key.
    """
    decomposed = unicodedata.normalize("NFD", value or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return _SPACES.sub(" ", stripped.lower()).strip()


def compact_key(value: str) -> str:
    """Folded text without spaces or punctuation, e.g. 'Xã Song Thuận' → 'xasongthuan'."""
    return _NON_KEY.sub("", fold(value)).replace(" ", "")
