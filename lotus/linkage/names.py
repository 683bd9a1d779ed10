"""Vietnamese names as the linkage compares them.

A name arrives typed in many ways: with or without tone marks, with the old or the new tone
placement (Hòa / Hoà), in NFC or NFD, or with the keystrokes of a Telex or VNI keyboard left
in because the input method was off ("Nguyeenx", "Nguye4n"). Before comparing, each word is
decoded back to letters, modifiers (â ă ê ô ơ ư đ) and a tone, giving two keys:

- the folded key: letters only, no modifier, no tone ("nguyen"), what `lotus.core.text.fold`
  gives for a correctly typed word;
- the toned key: letters with their modifiers and the tone as a trailing digit ("nguyên4"),
  the same whatever the tone placement or Unicode normal form.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from lotus.core.text import fold

# Combining tone marks and the digit that stands for each in the toned key.
_TONE_MARKS = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_TELEX_TONES = {"s": "1", "f": "2", "r": "3", "x": "4", "j": "5"}
_VNI_TONES = {"1": "1", "2": "2", "3": "3", "4": "4", "5": "5"}
_TONE_TO_MARK = {digit: mark for mark, digit in _TONE_MARKS.items()}
_CIRCUMFLEX, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"

_INITIALS = "ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|b|c|d|g|h|k|l|m|n|p|r|s|t|v|x"
_FINALS = "ch|ng|nh|c|m|n|p|t"
# A folded Vietnamese syllable: optional initial, one to three vowels, optional final.
_SYLLABLE = re.compile(rf"^(?:{_INITIALS})?[aeiouy]{{1,3}}(?:{_FINALS})?$")
_NEVER_DOUBLED = re.compile(r"aa|ee|oo")
_LETTERS_AND_DIGITS = re.compile(r"^[a-z]+[0-9][a-z0-9]*$|^[a-z]*[0-9]+[a-z][a-z0-9]*$")

# Words that are middle names in practice when a two-word name has lost its family name.
MIDDLE_WORDS = frozenset({"thi", "van"})


def is_syllable(folded_word: str) -> bool:
    """True when `folded_word` (lower case, no marks) can be a Vietnamese syllable."""
    return bool(_SYLLABLE.match(folded_word)) and not _NEVER_DOUBLED.search(folded_word)


@dataclass(frozen=True)
class Word:
    """A decoded word: letters with modifiers (NFC, lower case) and its tone digit or ''."""

    letters: str
    tone: str
    folded: str = ""

    def __post_init__(self):
        object.__setattr__(self, "folded", fold(self.letters))

    @property
    def toned(self) -> str:
        return self.letters + self.tone

    @property
    def text(self) -> str:
        """The word written in Unicode, the tone on the vowel where modern spelling puts it."""
        if not self.tone:
            return self.letters
        index = _tone_vowel_index(self.letters)
        if index is None:
            return self.letters
        decomposed = unicodedata.normalize("NFD", self.letters[index])
        marked = unicodedata.normalize("NFC", decomposed + _TONE_TO_MARK[self.tone])
        return self.letters[:index] + marked + self.letters[index + 1 :]


_VOWELS = set("aăâeêioôơuưy")


def _tone_vowel_index(letters: str) -> int | None:
    positions = [i for i, ch in enumerate(letters) if ch in _VOWELS]
    # "gi" and "qu" begin with a consonant cluster: their vowel is not the nucleus.
    if len(positions) > 1 and (letters.startswith("qu") or letters.startswith("gi")):
        positions = positions[1:]
    if not positions:
        return None
    for i in positions:
        if letters[i] in "ăâêôơư":
            # ươ takes the mark on ơ.
            if letters[i] == "ư" and i + 1 < len(letters) and letters[i + 1] == "ơ":
                return i + 1
            return i
    if len(positions) == 1:
        return positions[0]
    ends_with_final = positions[-1] != len(letters) - 1
    return positions[-1] if ends_with_final or len(positions) == 3 else positions[0]


def _split_marks(word: str) -> Word:
    """Split a Unicode word into letters-with-modifiers and a tone digit."""
    tone = ""
    kept = []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONE_MARKS:
            tone = _TONE_MARKS[ch]
        else:
            kept.append(ch)
    return Word(unicodedata.normalize("NFC", "".join(kept)), tone)


def _decode_telex(word: str) -> Word | None:
    """Decode ASCII Telex keystrokes ('nguyeenx' → nguyên + ngã), or None if not Telex."""
    tone = ""
    letters = []
    seen_vowel = False
    for ch in word:
        if seen_vowel and ch in _TELEX_TONES:
            tone = _TELEX_TONES[ch]
            continue
        if ch == "z" and seen_vowel:
            tone = ""
            continue
        letters.append(ch)
        if ch in "aeiouyw":
            seen_vowel = True
    text = "".join(letters)
    text = re.sub(r"^dd", "đ", text)
    text = text.replace("uow", "ươ").replace("uwow", "ươ").replace("uwo", "ươ")
    for pair, letter in (("aa", "â"), ("ee", "ê"), ("oo", "ô"), ("aw", "ă"), ("ow", "ơ")):
        text = text.replace(pair, letter)
    text = text.replace("uw", "ư").replace("w", "ư")
    decoded = Word(unicodedata.normalize("NFC", text), tone)
    return decoded if is_syllable(decoded.folded) else None


_VNI_MODIFIERS = {"6": ("aeo", _CIRCUMFLEX), "7": ("ou", _HORN), "8": ("a", _BREVE)}


def _decode_vni(word: str) -> Word | None:
    """Decode ASCII VNI keystrokes ('nguye64n', 'd9a5ng') or None if not VNI."""
    tone = ""
    chars: list[str] = []
    for ch in word:
        if ch in _VNI_TONES:
            tone = _VNI_TONES[ch]
        elif ch == "0":
            tone = ""
        elif ch == "9":
            for i in range(len(chars) - 1, -1, -1):
                if chars[i] == "d":
                    chars[i] = "đ"
                    break
        elif ch in _VNI_MODIFIERS:
            targets, mark = _VNI_MODIFIERS[ch]
            hits = [i for i, c in enumerate(chars) if c in targets]
            if ch == "7" and len(hits) >= 2 and "".join(chars[hits[-2] : hits[-1] + 1]) == "uo":
                hits = hits[-2:]  # "uo7" is ươ
            else:
                hits = hits[-1:]
            for i in hits:
                chars[i] = unicodedata.normalize("NFC", chars[i] + mark)
        else:
            chars.append(ch)
    decoded = Word(unicodedata.normalize("NFC", "".join(chars)), tone)
    return decoded if is_syllable(decoded.folded) else None


@lru_cache(maxsize=200_000)
def decode_word(word: str) -> Word:
    """Return the word's letters and tone, undoing Telex or VNI keystrokes left in.

    A word is decoded only when it is not a Vietnamese syllable as typed and becomes one
    once decoded, so correct names ("Sương", "Xuân", "Hoa") are never changed.
    """
    plain = _split_marks(word)
    folded = plain.folded
    if not folded or is_syllable(folded):
        return plain
    ascii_word = word.lower()
    if _LETTERS_AND_DIGITS.match(ascii_word):
        return _decode_vni(ascii_word) or plain
    if ascii_word.isascii() and ascii_word.isalpha():
        return _decode_telex(ascii_word) or plain
    return plain


_WORD = re.compile(r"[^\W_]+")


def decode_name(value: str) -> list[Word]:
    """Split a name into decoded words (punctuation and extra spaces dropped)."""
    return [decode_word(w) for w in _WORD.findall(unicodedata.normalize("NFC", value or ""))]


def normalize_keystrokes(value: str) -> str:
    """Rewrite a name typed with keystrokes left in as Unicode: 'Nguyeenx Thij Hoaf' →
    'Nguyễn Thị Hoà' (capitalised word by word)."""
    return " ".join(w.text.capitalize() for w in decode_name(value))


@dataclass(frozen=True)
class NameKeys:
    """The keys the linkage compares a name with; parts are None when absent."""

    full: str | None
    family: str | None
    middle: str | None
    given: str | None
    given_toned: str | None  # None when the name was written without any tone mark
    toned: bool


def name_keys(full_name: str) -> NameKeys:
    """Family, middle and given keys of a name written in Vietnamese order."""
    words = decode_name(full_name)
    if not words:
        return NameKeys(None, None, None, None, None, False)
    toned = any(w.tone or w.letters != w.folded for w in words)
    folded = [w.folded for w in words]
    given = folded[-1]
    family: str | None = None
    middle: str | None = None
    if len(words) == 2 and folded[0] in MIDDLE_WORDS:
        middle = folded[0]
    elif len(words) >= 2:
        family = folded[0]
        middle = " ".join(folded[1:-1]) or None
    return NameKeys(
        full=" ".join(folded),
        family=family,
        middle=middle,
        given=given,
        given_toned=words[-1].toned if toned else None,
        toned=toned,
    )
