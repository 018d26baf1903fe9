"""Caller speech -> canonical text, and values -> words for the voice.

Whisper writes numbers and postcodes in many ways ("LS6-2QT", "L S six two Q T", "400-19283",
"double seven", "oh" for zero); the flows see one form. The reverse direction speaks money,
dates and postcodes the way a person would read them aloud.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

_UNITS = {
    "zero": 0, "oh": 0, "o": 0, "nought": 0, "nil": 0, "one": 1, "two": 2, "three": 3,
    "four": 4, "for": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_REPEAT = {"double": 2, "triple": 3, "treble": 3}
_HYPHENATED_TENS = re.compile(r"\b(" + "|".join(_TENS) + r")[-\u2013](?=[a-z])", re.IGNORECASE)
_DIGIT_WORDS = {k: v for k, v in _UNITS.items() if v < 10 and k not in {"for", "o"}}
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b")
_YES = {"yes", "yeah", "yep", "yup", "correct", "right", "sure", "ok", "okay", "please",
        "definitely", "absolutely", "affirmative", "aye", "true", "thats right", "it is"}
_NO = {"no", "nope", "nah", "wrong", "incorrect", "not", "negative", "isnt", "thats wrong",
       "no thanks", "nothing"}


def words_to_digits(text: str) -> str:
    """Spoken digits -> digits: "double seven" -> "77", "four oh one" -> "4 0 1", "twenty one"
    -> "21". Ordinary words are left alone ("for" stays a word unless between digits)."""
    text = _HYPHENATED_TENS.sub(r"\1 ", text)  # "ninety-two" is one number
    tokens = re.findall(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)*|\d+|[^\sA-Za-z\d]+", text)
    out: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index].lower()
        following = tokens[index + 1].lower() if index + 1 < len(tokens) else ""
        if token in _REPEAT and (following in _DIGIT_WORDS or following.isdigit()):
            digit = str(_DIGIT_WORDS.get(following, following))
            out.append(digit * _REPEAT[token])
            index += 2
            continue
        if token in _TENS:
            value = _TENS[token]
            if following in _DIGIT_WORDS and 0 < _DIGIT_WORDS[following] < 10:
                value += _DIGIT_WORDS[following]
                index += 1
            out.append(str(value))
        elif token in _UNITS and (token not in {"for", "o", "oh"} or _near_digit(tokens, index)):
            out.append(str(_UNITS[token]))
        else:
            out.append(tokens[index])
        index += 1
    return _join(out)


def _near_digit(tokens: list[str], index: int) -> bool:
    def is_digit(i: int) -> bool:
        if not 0 <= i < len(tokens):
            return False
        t = tokens[i].lower()
        return t.isdigit() or (t in _DIGIT_WORDS and t not in {"oh", "o"}) or t in _REPEAT
    return is_digit(index - 1) or is_digit(index + 1)


def _join(tokens: list[str]) -> str:
    text = ""
    for token in tokens:
        if text and not re.match(r"[^\w£]", token):
            text += " "
        text += token
    return text


def normalise(text: str) -> str:
    """Canonical caller text: digits as digits, postcodes as "LS6 2QT", single spaces."""
    # "400-19283", "4 0 0" -> "40019283"; a dash after a spoken digit is a false start
    # ("four- four"), which the digit reading needs to see, so it is kept.
    text = words_to_digits(re.sub(r"(?<=\d)[\-\u2013](?=\d)", "", text))
    text = re.sub(r"(?<=\d)\s+(?=\d)", "", text)
    compact = find_postcode(text)
    if compact:
        text = text + f" [{compact}]" if compact not in text.upper() else text
    return " ".join(text.split())


def letters_and_digits(text: str) -> str:
    """Upper-case letters and digits only, with spelled letters joined ("L S 6" -> "LS6")."""
    text = words_to_digits(text)
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def find_postcode(text: str) -> str | None:
    """A UK postcode in the text, canonical ("LS6 2QT"), however it was spaced or spelled.

    Spelled-out pieces are joined ("L S 6 2 Q T"), and one O/0 or I/1 slip is read by
    position (letters where a postcode has letters), since callers and Whisper mix them up.
    Of several readings, the one with fewest slips, then the longest, wins.
    """
    upper = re.sub(r"[\-,.;:]", " ", words_to_digits(_doubled_letters(text)).upper())
    tokens = re.findall(r"[A-Z0-9]+", upper)
    best: tuple[int, int, str] | None = None
    for start in range(len(tokens)):
        joined = ""
        for token in tokens[start : start + 7]:
            joined += token
            if len(joined) > 7:
                break
            if len(joined) < 5:
                continue
            for slips, postcode in _readings(joined):
                if slips <= 1 and (best is None or (slips, -len(joined)) < best[:2]):
                    best = (slips, -len(joined), postcode)
    return best[2] if best else None


_DOUBLED_LETTER = re.compile(r"\b(double|triple|treble)\s+([a-z])\b", re.IGNORECASE)


def _doubled_letters(text: str) -> str:
    """"double A" -> "A A": callers spell a postcode's repeated letters as they do digits."""
    return _DOUBLED_LETTER.sub(
        lambda m: " ".join([m.group(2)] * _REPEAT[m.group(1).lower()]), text)


_AS_LETTER = str.maketrans("0158", "OISB")
_AS_DIGIT = str.maketrans("OISBZ", "01582")


def _readings(chars: str) -> list[tuple[int, str]]:
    """Ways to read ``chars`` as a postcode, each with how many characters were swapped."""
    inward = chars[-3:]
    inward = inward[0].translate(_AS_DIGIT) + inward[1:].translate(_AS_LETTER)
    if not re.fullmatch(r"[0-9][A-Z]{2}", inward):
        return []
    outward = chars[:-3]
    readings = []
    for letters in (1, 2):
        if len(outward) <= letters:
            continue
        tail = outward[letters:]
        head = outward[:letters].translate(_AS_LETTER)
        candidate = head + tail[0].translate(_AS_DIGIT) + tail[1:]
        if re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?", candidate):
            slips = sum(a != b for a, b in zip(chars, candidate + inward, strict=True))
            slips += 2 * (candidate[letters] == "0")  # districts almost never start with 0
            readings.append((slips, f"{candidate} {inward}"))
    return readings


def digits_in(text: str) -> str:
    """All digits the caller said, in order ("four oh oh, one nine" -> "40019")."""
    return re.sub(r"\D", "", words_to_digits(text))


def yes_or_no(text: str) -> bool | None:
    """True for yes, False for no, None when the caller said neither (or both)."""
    cleaned = re.sub(r"[^a-z ]", "", text.lower().replace("'", ""))
    tokens = set(cleaned.split())
    phrases = {cleaned.strip()}
    yes = bool(tokens & _YES or phrases & _YES)
    no = bool(tokens & _NO or phrases & _NO)
    if yes and no:
        if "not right" in cleaned or "isnt right" in cleaned or "thats wrong" in cleaned:
            return False
        return None
    return True if yes else False if no else None


_CHANGE_OF_MIND = re.compile(
    r"\b(actually|instead|rather|wait|hang on|hold on|sorry|i meant|i mean|"
    r"(it'?s|it is|this is|i'?m calling) (really |actually )?(about|regarding)|"
    r"changed my mind|never ?mind|forget (that|it)|something else|not that|no,? (it'?s|i want))\b")


def changes_mind(text: str) -> bool:
    """Whether the words announce a change of mind or a correction of the request ("actually,
    it's about my council tax", "sorry, I meant the missed bin", "no, I want...")."""
    return _CHANGE_OF_MIND.search(text.lower().replace("\u2019", "'")) is not None


# -- values -> words --

_ORDINAL = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}
_SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]
_TENS_WORDS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
               "ninety"]


def number_words(value: int) -> str:
    """Cardinal number in British English ("four hundred and twelve")."""
    if value < 0:
        return "minus " + number_words(-value)
    if value < 20:
        return _SMALL[value]
    if value < 100:
        tens, units = divmod(value, 10)
        return _TENS_WORDS[tens] + (f"-{_SMALL[units]}" if units else "")
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        return f"{_SMALL[hundreds]} hundred" + (f" and {number_words(rest)}" if rest else "")
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if value >= size:
            big, rest = divmod(value, size)
            joiner = " and " if 0 < rest < 100 else ", " if rest else ""
            return f"{number_words(big)} {name}" + (joiner + number_words(rest) if rest else "")
    raise AssertionError("unreachable")


def say_money(amount: Decimal | float | str) -> str:
    """"£412.50" -> "four hundred and twelve pounds fifty"."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    pounds, pence = divmod(int(abs(value) * 100), 100)
    parts = []
    if pounds or not pence:
        parts.append(f"{number_words(pounds)} pound{'s' if pounds != 1 else ''}")
    if pence:
        parts.append(number_words(pence) if pounds else f"{number_words(pence)} pence")
    spoken = " ".join(parts)
    return f"minus {spoken}" if value < 0 else spoken


def say_date(day: date, today: date | None = None) -> str:
    """"Wednesday the 2nd of December" (with the year only when it is not this year)."""
    suffix = _ORDINAL.get(day.day, "th")
    text = f"{day:%A} the {day.day}{suffix} of {day:%B}"
    if today is not None and day.year != today.year:
        text += f" {day.year}"
    return text


def say_postcode(postcode: str) -> str:
    """"LS6 2QT" -> "L S 6, 2 Q T": letter by letter, a pause between the halves."""
    outward, _, inward = postcode.upper().partition(" ")
    return f"{' '.join(outward)}, {' '.join(inward)}"


def say_digits(digits: str) -> str:
    """Numbers read back digit by digit in groups, as a person reads them out: fours when the
    length is a multiple of four ("4 0 0 1, 9 2 8 3"), otherwise threes ("1 2 3, 4 5")."""
    size = 4 if len(digits) % 4 == 0 and len(digits) > 4 else 3
    groups = [digits[i : i + size] for i in range(0, len(digits), size)]
    return ", ".join(" ".join(group) for group in groups)
