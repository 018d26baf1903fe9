"""Recognition that uses what the bot expects: the helpers, then real rescoring with Whisper."""

from __future__ import annotations

import pytest

from tests.voicebot.speech.conftest import encoded, phone_line, to_16k
from voicebot.errors import RecognitionError
from voicebot.speech.base import Hints, Transcript
from voicebot.speech.engines import SpeechEngines
from voicebot.speech.expected import (
    closest,
    compact,
    digits_only_suppression,
    embed,
    first_listed_value,
    heard_as_one_of,
    value_piece,
    whole_shaped,
    without_remnants,
)
from voicebot.speech.turn_queue import PARTIAL_DROPPED

POSTCODES = ("BS3 4HG", "HX1 2PL", "LS6 2QT", "LS6 3HN", "M14 5RN", "SK4 1AA", "WF1 3AB")


def test_spoken_digits_and_letters_compact_to_a_value() -> None:
    assert compact("L S six, two Q T") == "LS62QT"
    assert compact("4-0-0-1 9283.") == "40019283"


def test_the_closest_candidates_to_what_was_heard_come_first() -> None:
    assert set(closest(POSTCODES, ["LS6 LF6"], 2)) == {"LS6 2QT", "LS6 3HN"}
    assert closest(POSTCODES, ["It's M for teen 5RN"], 1) == ["M14 5RN"]
    assert closest(POSTCODES, [""], 3) == []


def test_a_candidate_replaces_what_sounded_like_it_and_keeps_the_words_around() -> None:
    assert embed("LS6 3HN", "It's LS6 3AKN.")[0] == "It's LS6 3HN."
    assert embed("40019283", "My account is 4 0 0 1 9 2 3 8.", "account") == (
        "My account is 4 0 0 1 9 2 8 3.", "4 0 0 1 9 2 8 3")
    assert embed("40019283", "4001 9238", "account")[0] == "4001 9283"


def test_a_value_said_twice_is_kept_once() -> None:
    assert without_remnants("LS6 2QT, LS6, 2QT,", "LS6 2QT") == "LS6 2QT,"
    assert without_remnants("It's LS6 3HN.", "LS6 3HN") == "It's LS6 3HN."


def test_digit_decoding_allows_digits_and_account_words_only(engines: SpeechEngines) -> None:
    tokenizer = engines.recognizer.tokenizer
    suppressed = set(digits_only_suppression(tokenizer))
    for allowed in (" 4", "00", " account", " number", " double", " oh", " four", ",", " it's"):
        assert not set(tokenizer.encode(allowed)) & suppressed, allowed
    for word in (" for", " bin", " Nero", " hello"):
        assert set(tokenizer.encode(word)) & suppressed, word


async def test_a_misheard_postcode_is_put_right_from_the_councils_list(
        engines: SpeechEngines) -> None:
    audio = to_16k(phone_line(engines, "It's L S six, two Q T."))
    hints = Hints(expect="postcode", phrases=POSTCODES, prompt=", ".join(POSTCODES),
                  candidates=POSTCODES)
    heard = await engines.recognizer.transcribe(audio, hints)
    assert "LS6 2QT" in heard.text
    recognizer = engines.recognizer
    rescorer = recognizer._rescorer
    prompt = recognizer._prompt(hints)
    wrong = Transcript("It's LS6 LF6.", 0.4)
    assert rescorer.best(encoded(recognizer, audio), prompt, wrong,
                         POSTCODES).text == "It's LS6 2QT."


async def test_a_postcode_from_outside_the_area_is_heard_as_said(engines: SpeechEngines) -> None:
    audio = to_16k(phone_line(engines, "L S six, two Q T."))
    elsewhere = (*(p for p in POSTCODES if p != "LS6 2QT"), "YO1 7DA")
    recognizer = engines.recognizer
    hints = Hints(expect="postcode", candidates=elsewhere)
    said = Transcript("LS6 2QT.", 0.8)
    kept = recognizer._rescorer.best(encoded(recognizer, audio), recognizer._prompt(hints), said,
                                     elsewhere)
    assert kept.text == "LS6 2QT."


pytestmark = pytest.mark.slow


def test_a_runaway_postcode_decode_is_cut_after_the_first_whole_postcode() -> None:
    assert first_listed_value("LS6 2QT, LS6 2QT, LS6 2QT, LS6", "postcode") == "LS6 2QT"
    assert first_listed_value("It's LS6 2QT. LS6 2QT.", "postcode") == "It's LS6 2QT."
    assert first_listed_value("M14 6RN, SK4, BS4, BS4, BS4", "postcode") == "M14 6RN"
    # whole only by joining pieces (the caller said "S K four"), or other postcodes after it
    # (the prompt's list recited): not trusted
    assert first_listed_value("SK4, LS6 4, LS6 4, LS6 4, LS", "postcode") is None
    assert first_listed_value("M14 4B, M14 4B,", "postcode") is None
    assert first_listed_value("BS3 4HG, HX1 2PL, LS6 2QT", "postcode", partial=True) is None
    assert first_listed_value("LS6 2QT, LS6 3QT, LS6 3QT", "postcode", partial=True) is None
    # a final decode keeps its first whole piece (it is weighed against the list, and read back)
    assert first_listed_value("LS6 2QT, LS6 3QT, LS6 3QT", "postcode") == "LS6 2QT"
    assert first_listed_value("LS6, 2QT, LS6, 2QT", "postcode") is None
    # nothing that went on, or not a postcode question
    assert first_listed_value("L.S.S.S.S.S.S.S.S.S", "postcode") is None
    assert first_listed_value("LS6 2QT", "postcode") is None
    assert first_listed_value("LS6 2QT, LS6 2QT, LS6 2QT", "account") is None


def test_only_a_whole_postcode_is_shaped_like_an_answer_to_a_postcode_question() -> None:
    assert whole_shaped("It's L S six, two Q T", "postcode")
    assert not whole_shaped("L S six", "postcode")
    assert not whole_shaped("Let's get it all", "postcode")
    assert whole_shaped("anything at all", "request")  # other questions are not judged here


async def test_a_partial_decode_without_a_whole_postcode_is_given_up(
        engines: SpeechEngines) -> None:
    """It could not end the turn early, so no rescoring is spent on it: the final decodes."""
    audio = to_16k(phone_line(engines, "It's L S six,"))
    hints = Hints(expect="postcode", phrases=POSTCODES, prompt=", ".join(POSTCODES),
                  candidates=POSTCODES, partial=True)
    with pytest.raises(RecognitionError) as caught:
        await engines.recognizer.transcribe(audio, hints)
    assert caught.value.code == PARTIAL_DROPPED
    whole = await engines.recognizer.transcribe(
        to_16k(phone_line(engines, "It's L S six, two Q T.")), hints)
    assert "LS6 2QT" in whole.text


def test_a_postcode_put_right_counts_as_heard_only_from_a_character_away() -> None:
    assert heard_as_one_of("LS6 2QT", "LS6 2QT", POSTCODES, "postcode")
    assert heard_as_one_of("It's LF6 2QT.", "It's LS6 2QT.", POSTCODES, "postcode")
    assert not heard_as_one_of("M14 4B, M14 4B,", "M14 5RN,", POSTCODES, "postcode")
    assert not heard_as_one_of("SK4, LS6 4", "BS3 4HG", POSTCODES, "postcode")
    assert not heard_as_one_of("LF6 2QT", "LS6 2QT", POSTCODES, "account")


def test_a_piece_of_a_spelled_value_is_only_its_digits_and_letters() -> None:
    assert value_piece("Nine.", "account") and value_piece("oh, four", "account")
    assert not value_piece("Thank you.", "account") and not value_piece("my account", "account")
    assert value_piece("L S six", "postcode") and value_piece("2QT", "postcode")
    assert not value_piece("Bye.", "postcode") and not value_piece("LS6 2QT and more", "postcode")
    assert not value_piece("nine", None)
