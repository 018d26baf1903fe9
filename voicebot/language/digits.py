"""Reference numbers as British callers say them, and as a poor line lets them through.

"four oh oh one, nine two eight three", "four double oh one...", "forty, oh one, ninety-two,
eighty-three", "four hundred and one", "four five... no, four six", "f-four", and a recogniser
that heard "nero" for "zero" all mean digits. Three principles, not a list of cases:

* **Number grammar.** Digit words and runs, ``double``/``triple`` before a digit, tens and teens
  ("forty one", "nineteen"), and ``hundred``/``thousand`` groups ("four hundred and one") each
  stand for the digits they spell, concatenated in order.
* **Self-repair.** After a correction marker ("no", "sorry", "I mean", "wait"...) the caller
  starts again from the last place the new digits can begin; a false start cut off by a dash
  ("f-four", "four- four") is dropped.
* **Sound-alikes, only among digits.** A word next to other digits that sounds like a digit is
  read as one: homophones ("won", "too", "for", "ate", "owe"; "free" from th-fronting) and words
  one letter slip away from exactly one digit word ("nero", "fife", "tree"). Elsewhere words
  are left alone, so "I want to pay for it" stays words.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import Levenshtein

_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_ZEROS = {"nought": "0", "nil": "0", "zero": "0"}
_SOUND_ALIKES = {"oh": "0", "o": "0", "owe": "0", "naught": "0", "won": "1", "to": "2",
                 "too": "2", "free": "3", "for": "4", "fore": "4", "ate": "8"}
"""Words that sound like a digit ("free": th-fronting), read as one only among digits."""
_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_REPEATS = {"double": 2, "triple": 3, "treble": 3}
_SCALES = {"hundred": 100, "thousand": 1000}
_CORRECTIONS = {"no", "sorry", "mean", "meant", "rather", "wait", "oops", "correction",
                "actually", "scratch"}
_NEVER_DIGITS = frozenset(re.findall(r"\S+", """a an and the is it its it's my me i i'm number
account ref um uh er erm ah eh that's thats this his her our your yes yeah ok okay right so then
"""))
"""Short everyday words that are never taken for a digit, even one letter away from one."""
_HYPHENATED_TENS = re.compile(r"\b(" + "|".join(_TENS) + r")[-\u2013](?=[a-z])")
""""ninety-two" is one number, not a false start."""
_DASH = {"-", "\u2013", "\u2014"}
_TOKEN = re.compile(r"\d+|[a-z]+(?:'[a-z]+)?|\.\.\.|\u2026|[-\u2013\u2014,.?!;:]")

Symbol = tuple[str, str]
"""(kind, value): ``digit`` (a run of digits), ``teen``, ``tens``, ``scale``, ``repeat``,
``and``, ``fix`` (a correction marker), ``dash``, ``pause`` (other punctuation), ``word``."""


def spoken_digits(text: str) -> str:
    """The digits the caller meant, corrections applied."""
    symbols = _symbols(text)
    symbols = _sound_alikes(symbols)
    symbols = _without_false_starts(symbols)
    parts: list[list[Symbol]] = [[]]
    for symbol in symbols:
        if symbol[0] == "fix":
            parts.append([])
        else:
            parts[-1].append(symbol)
    digits = ""
    for part in parts:
        said = _digits(part)
        if said:
            digits = restart(digits, said) if digits else said
    return digits


def restart(before: str, after: str) -> str:
    """Digits said again after a correction: they start from the last place in ``before``
    that holds their first digit and that they cover to the end; failing that, they replace
    as many digits at the end ("four five... no, six" -> "46")."""
    if len(after) >= len(before):
        return after
    for start in range(len(before) - 1, -1, -1):
        if before[start] == after[0] and len(before) - start <= len(after):
            return before[:start] + after
    return before[: len(before) - len(after)] + after


def correct(value: str, part: str) -> str | None:
    """A number read back, corrected by the caller repeating the wrong group ("no, nine two
    eight four"): the part replaces the stretch it differs least from (but differs). None when
    the part fits nowhere."""
    if len(part) >= len(value):
        return part if part != value else None
    if part in value:
        return None  # a group repeated as it was: nothing says which digit is wrong
    best: tuple[int, int] | None = None
    for start in range(len(value) - len(part) + 1):
        slips = sum(a != b for a, b in zip(value[start:], part, strict=False))
        if slips and (best is None or slips <= best[0]):
            best = (slips, start)
    if best is None:
        return None
    return value[: best[1]] + part + value[best[1] + len(part):]


def _symbols(text: str) -> list[Symbol]:
    symbols: list[Symbol] = []
    text = _HYPHENATED_TENS.sub(r"\1 ", text.lower().replace("\u2019", "'"))
    for token in _TOKEN.findall(text):
        if token.isdigit():
            symbols.append(("digit", token))
        elif token in _ZEROS:
            symbols.append(("digit", _ZEROS[token]))
        elif token in _DIGIT_WORDS:
            symbols.append(("digit", str(_DIGIT_WORDS.index(token))))
        elif token in _TEENS:
            symbols.append(("teen", str(_TEENS[token])))
        elif token in _TENS:
            symbols.append(("tens", str(_TENS[token])))
        elif token in _SCALES or token in _REPEATS:
            symbols.append(("scale" if token in _SCALES else "repeat", token))
        elif token == "and":
            symbols.append(("and", token))
        elif token in _CORRECTIONS:
            symbols.append(("fix", token))
        elif token in _DASH:
            symbols.append(("dash", token))
        elif not token[0].isalpha():
            symbols.append(("pause", token))
        else:
            symbols.append(("word", token))
    return symbols


def _numeric(symbol: Symbol | None) -> bool:
    return symbol is not None and symbol[0] in {"digit", "teen", "tens", "repeat"}


def _neighbour(symbols: list[Symbol], index: int, step: int) -> Symbol | None:
    index += step
    while 0 <= index < len(symbols) and symbols[index][0] in {"dash", "pause"}:
        index += step
    return symbols[index] if 0 <= index < len(symbols) else None


def _sound_alike(word: str) -> str | None:
    if word in _NEVER_DIGITS:
        return None
    if word in _SOUND_ALIKES:
        return _SOUND_ALIKES[word]
    if len(word) < 3:
        return None
    close = [i for i, digit in enumerate(_DIGIT_WORDS) if Levenshtein.distance(word, digit) == 1]
    return str(close[0]) if len(close) == 1 else None


def _sound_alikes(symbols: list[Symbol]) -> list[Symbol]:
    """Words among digits that sound like digits become digits (until nothing changes)."""
    symbols = list(symbols)
    changed = True
    while changed:
        changed = False
        for index, (kind, value) in enumerate(symbols):
            if kind != "word" or (digit := _sound_alike(value)) is None:
                continue
            if _numeric(_neighbour(symbols, index, -1)) or _numeric(_neighbour(symbols, index, 1)):
                symbols[index] = ("digit", digit)
                changed = True
    return symbols


def _without_false_starts(symbols: list[Symbol]) -> list[Symbol]:
    """Drop a start cut off by a dash: "f-four", "fo- four", "four- four"."""
    kept: list[Symbol] = []
    for index, symbol in enumerate(symbols):
        after = symbols[index + 1 : index + 3]
        if len(after) == 2 and after[0][0] == "dash" and after[1][0] == "digit":
            spelled = _DIGIT_WORDS[int(after[1][1][0])]
            restarted = symbol[0] == "digit" and after[1][1].startswith(symbol[1])
            if restarted or (symbol[0] == "word" and spelled.startswith(symbol[1])):
                continue
        kept.append(symbol)
    return kept


def _digits(symbols: list[Symbol]) -> str:
    """The digits one stretch of speech spells (no correction markers inside)."""
    out = ""
    index = 0
    while index < len(symbols):
        kind, value = symbols[index]
        following = symbols[index + 1] if index + 1 < len(symbols) else None
        if kind == "repeat" and following and following[0] == "digit" and len(following[1]) == 1:
            out += following[1] * (3 if value in {"triple", "treble"} else 2)
            index += 2
            continue
        if kind == "scale" or (kind == "digit" and len(value) == 1 and following
                               and following[0] == "scale"):
            number, index = _grouped(symbols, index)
            out += str(number)
            continue
        if kind == "tens" and _unit(following):
            assert following is not None
            out += str(int(value) + int(following[1]))
            index += 2
            continue
        if kind in {"digit", "teen", "tens"}:
            out += value
        index += 1
    return out


def _grouped(symbols: list[Symbol], index: int) -> tuple[int, int]:
    """ "four hundred and one", "two thousand and five", "a hundred": value, next index."""
    total = 0
    head = 1
    if symbols[index][0] == "digit":
        head = int(symbols[index][1])
        index += 1
    while index < len(symbols) and symbols[index][0] == "scale":
        total += head * _SCALES[symbols[index][1]]
        index += 1
        if index < len(symbols) and symbols[index][0] == "and":
            index += 1
        head = 0
        if index < len(symbols) and symbols[index][0] == "digit" and len(symbols[index][1]) == 1:
            following = symbols[index + 1] if index + 1 < len(symbols) else None
            if following is not None and following[0] == "scale":
                head = int(symbols[index][1])
                index += 1
                continue
    rest, index = _under_hundred(symbols, index)
    return total + rest, index


def _unit(symbol: Symbol | None) -> bool:
    """A single digit 1-9 (what follows "forty" in "forty one")."""
    return symbol is not None and symbol[0] == "digit" and len(symbol[1]) == 1 and (
        symbol[1] != "0")


def _under_hundred(symbols: list[Symbol], index: int) -> tuple[int, int]:
    if index >= len(symbols):
        return 0, index
    kind, value = symbols[index]
    if kind == "teen":
        return int(value), index + 1
    if kind == "tens":
        following = symbols[index + 1] if index + 1 < len(symbols) else None
        if _unit(following):
            assert following is not None
            return int(value) + int(following[1]), index + 2
        return int(value), index + 1
    if kind == "digit" and len(value) <= 2:
        return int(value), index + 1
    return 0, index
