"""Vietnamese text typed with the pre-Unicode fonts, recognised and converted to Unicode.

Old commune sheets were typed in two 8-bit encodings that Excel and CSV files still carry:

- TCVN3 (TCVN 5712:1993 "VN3", the ABC keyboard and the .VnTime fonts): one byte per letter,
  e.g. "NguyÔn ThÞ Hoa" for "Nguyễn Thị Hoa" (0xD4 is ễ, 0xDE is ị).
- VNI (VNI-Windows, the VNI-Times fonts): a base letter followed by a byte carrying the
  diacritics, e.g. "Nguyeãn Thò Hoa" ("e" + 0xE3 is ễ; 0xF2 alone is ị).

Excel shows such text as Windows-1252 characters, so a converter sees the Windows-1252 reading
of the bytes. Both tables below were written from the published code charts.

Detection must never damage genuine Unicode: a string is converted only when every character
could have come from an 8-bit font and the converted text reads as more Vietnamese syllables
than the original (see `syllable_score`).
"""

import re
import unicodedata
from functools import lru_cache

# Windows-1252 reading of each byte (the five bytes it leaves undefined map to themselves).
_CP1252_CHARS = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256))
_CP1252_ONLY = re.compile("^[" + re.escape(_CP1252_CHARS) + "]*$")

# TCVN3 (VN3): byte → letter. Lower-case letters with tones, and the seven capitals the
# .VnTime fonts carry; capitals with tones need the .VnTimeH fonts, which reuse the
# lower-case codes (see `_restore_capitals`).
_TCVN3_BYTES = {
    0xB5: "à", 0xB8: "á", 0xB6: "ả", 0xB7: "ã", 0xB9: "ạ",
    0xA8: "ă", 0xBB: "ằ", 0xBE: "ắ", 0xBC: "ẳ", 0xBD: "ẵ", 0xC6: "ặ",
    0xA9: "â", 0xC7: "ầ", 0xCA: "ấ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCB: "ậ",
    0xAE: "đ",
    0xCC: "è", 0xD0: "é", 0xCE: "ẻ", 0xCF: "ẽ", 0xD1: "ẹ",
    0xAA: "ê", 0xD2: "ề", 0xD5: "ế", 0xD3: "ể", 0xD4: "ễ", 0xD6: "ệ",
    0xD7: "ì", 0xDD: "í", 0xD8: "ỉ", 0xDC: "ĩ", 0xDE: "ị",
    0xDF: "ò", 0xE3: "ó", 0xE1: "ỏ", 0xE2: "õ", 0xE4: "ọ",
    0xAB: "ô", 0xE5: "ồ", 0xE8: "ố", 0xE6: "ổ", 0xE7: "ỗ", 0xE9: "ộ",
    0xAC: "ơ", 0xEA: "ờ", 0xED: "ớ", 0xEB: "ở", 0xEC: "ỡ", 0xEE: "ợ",
    0xEF: "ù", 0xF3: "ú", 0xF1: "ủ", 0xF2: "ũ", 0xF4: "ụ",
    0xAD: "ư", 0xF5: "ừ", 0xF8: "ứ", 0xF6: "ử", 0xF7: "ữ", 0xF9: "ự",
    0xFA: "ỳ", 0xFD: "ý", 0xFB: "ỷ", 0xFC: "ỹ", 0xFE: "ỵ",
    0xA1: "Ă", 0xA2: "Â", 0xA7: "Đ", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư",
}  # fmt: skip
_TCVN3_TABLE = str.maketrans({_CP1252_CHARS[b]: ch for b, ch in _TCVN3_BYTES.items()})

# VNI-Windows: the diacritic bytes that follow a base vowel (shown as their Windows-1252
# characters), in the order: grave, acute, hook, tilde, dot below.
_VNI_TONES = ("ø", "ù", "û", "õ", "ï")
_VNI_TONES_AFTER_HAT = ("à", "á", "å", "ã", "ä")  # after the circumflex (â ê ô)
_VNI_TONES_AFTER_BREVE = ("è", "é", "ú", "ü", "ë")  # after the breve (ă)
_TONE_MARKS = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")


def _vni_pairs() -> dict[str, str]:
    """Every VNI sequence → its Unicode letter, lower and upper case."""
    pairs: dict[str, str] = {}

    def add(sequence: str, letter: str) -> None:
        pairs[sequence] = unicodedata.normalize("NFC", letter)
        upper = sequence[0].upper() + sequence[1:].upper()
        pairs[upper] = unicodedata.normalize("NFC", letter).upper()

    for vowel in "aeouy":
        for tone_byte, mark in zip(_VNI_TONES, _TONE_MARKS, strict=True):
            add(vowel + tone_byte, vowel + mark)
    for vowel in "aeo":  # â ê ô: the circumflex byte, alone or fused with a tone
        add(vowel + "â", vowel + "\u0302")
        for tone_byte, mark in zip(_VNI_TONES_AFTER_HAT, _TONE_MARKS, strict=True):
            add(vowel + tone_byte, vowel + "\u0302" + mark)
    add("aê", "a\u0306")  # ă
    for tone_byte, mark in zip(_VNI_TONES_AFTER_BREVE, _TONE_MARKS, strict=True):
        add("a" + tone_byte, "a\u0306" + mark)
    # ơ and ư are single bytes (ô, ö) and take the plain tone bytes.
    for byte, letter in (("ô", "o\u031b"), ("ö", "u\u031b")):
        add(byte, letter)
        for tone_byte, mark in zip(_VNI_TONES, _TONE_MARKS, strict=True):
            add(byte + tone_byte, letter + mark)
    # The i-letters, đ and ỵ are single bytes.
    for byte, letter in (
        ("ì", "ì"), ("í", "í"), ("æ", "ỉ"), ("ó", "ĩ"), ("ò", "ị"), ("ñ", "đ"), ("î", "ỵ"),
    ):  # fmt: skip
        add(byte, letter)
    return pairs


_VNI_PAIRS = _vni_pairs()
_VNI_PATTERN = re.compile(
    "|".join(re.escape(seq) for seq in sorted(_VNI_PAIRS, key=len, reverse=True))
)


def tcvn3_to_unicode(text: str) -> str:
    """Convert the Windows-1252 reading of TCVN3 text to Unicode."""
    return _restore_capitals(text, text.translate(_TCVN3_TABLE))


def vni_to_unicode(text: str) -> str:
    """Convert the Windows-1252 reading of VNI text to Unicode."""
    return _VNI_PATTERN.sub(lambda m: _VNI_PAIRS[m.group(0)], text)


_LETTER_RUN = re.compile(r"[^\W\d_]+")


def _restore_capitals(original: str, converted: str) -> str:
    """Upper-case words typed in capitals: the .VnTimeH fonts reuse the lower-case codes.

    TCVN3 maps one character to one, so a word of the converted text stands at the same
    place in the original; it is upper-cased when its ASCII letters there are all capitals.
    """
    if converted == original or not any(c.isupper() for c in original):
        return converted
    out = list(converted)
    for match in _LETTER_RUN.finditer(converted):
        letters = [c for c in original[match.start() : match.end()] if c.isascii() and c.isalpha()]
        if len(letters) > 1 and all(c.isupper() for c in letters):
            out[match.start() : match.end()] = match.group(0).upper()
    return "".join(out)


# --- How Vietnamese does a text look? -------------------------------------------------------

_ONSETS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_NUCLEI = (
    "iêu|oai|oay|oeo|uây|uôi|uya|uyê|uyu|ươi|ươu|yêu|"
    "ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uô|uơ|uy|ưa|ưi|ưu|ươ|yê|"
    "a|ă|â|e|ê|i|o|ô|ơ|u|ư|y"
)
_CODAS = "ch|ng|nh|c|m|n|p|t"
_SYLLABLE = re.compile(f"^(?:{_ONSETS})?(?:{_NUCLEI})(?:{_CODAS})?$")


@lru_cache(maxsize=65536)
def _is_syllable(word: str) -> bool:
    """Is `word` a Vietnamese syllable: right letters, one tone at most, usual casing?"""
    if not (word.islower() or word.isupper() or word.istitle()):
        return False
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = sum(decomposed.count(mark) for mark in _TONE_MARKS)
    if tones > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
    return _SYLLABLE.match(bare) is not None


_LETTERS = re.compile(r"[^\W\d_]+")


def syllable_score(text: str) -> int:
    """Words that read as Vietnamese syllables, less those that do not."""
    score = 0
    for word in _LETTERS.findall(text):
        score += 1 if _is_syllable(word) else -1
    return score


def could_be_legacy(text: str) -> bool:
    """Non-ASCII text made only of characters an 8-bit font could have produced."""
    return not text.isascii() and _CP1252_ONLY.match(text) is not None


def repair_text(text: str) -> tuple[str, str]:
    """Return `text` in NFC Unicode and how it was read: "", "tcvn3" or "vni".

    The legacy readings are tried only on text that an 8-bit font could have produced, and
    kept only when they read as more Vietnamese than the text as it stands.
    """
    if text.isascii():
        return text, ""
    if _CP1252_ONLY.match(text) is None:
        return unicodedata.normalize("NFC", text), ""
    best, best_kind, best_score = text, "", syllable_score(text)
    for kind, convert in (("tcvn3", tcvn3_to_unicode), ("vni", vni_to_unicode)):
        candidate = convert(text)
        if candidate != text:
            score = syllable_score(candidate)
            if score > best_score:
                best, best_kind, best_score = candidate, kind, score
    return unicodedata.normalize("NFC", best), best_kind


def decode_line(data: bytes, kind: str) -> str:
    """Bytes read as Windows-1258 ("" or "cp1258"), "tcvn3" or "vni", in NFC."""
    if kind == "tcvn3":
        return unicodedata.normalize("NFC", tcvn3_to_unicode(data.decode("cp1252", "replace")))
    if kind == "vni":
        return unicodedata.normalize("NFC", vni_to_unicode(data.decode("cp1252", "replace")))
    return unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))


def repair_bytes(data: bytes, *, prefer: str = "") -> tuple[str, str]:
    """Read bytes that are not UTF-8 as Windows-1258 (""), TCVN3 or VNI: the best reading.

    Python's cp1258 codec yields combining tone marks; the result is NFC. On a tie the
    `prefer`red reading wins (what the rest of the file used), else Windows-1258.
    """
    readings = []
    for kind in ("", "tcvn3", "vni"):
        text = decode_line(data, kind)
        readings.append((syllable_score(text) + (0.5 if kind == prefer else 0), kind, text))
    best = max(readings, key=lambda r: r[0])
    return best[2], best[1]
