"""Whether a loud stretch the VAD doubted held words: the recogniser's verdict, made strict.

Some quick words never convince Silero (a fast "Oh." or "Eight." scores 0.1-0.45 in every
window), so the listener has Whisper decode a loud stretch that never started a turn. But
Whisper, primed with what the question expects, also finds words in sounds that are none:
"Oh" for a cough or a thud when an account number is asked for, "Yeah." for a breath at a
yes-or-no question, at a confidence of at most 0.34 (measured: breaths, coughs, thuds, rustle
and hums, 240 decodes under four kinds of question). Quick real words scored 0.4-0.9. So a
doubtful stretch counts only when the decode is that sure, and only when its words answer the
question or are a piece of a postcode or account number being spelled out.

A quick word said fast, or on a poor line, can decode as the right word and still be less sure
than that ("Yep" 0.25, "2" 0.19, "No." 0.15: espeak voices at 200-230 words a minute outside
the corpus). Such a decode is put to two more witnesses: the stretch must be voiced (a pitch,
``speech/pitch.py``: a breath, rustle, cough or thud has none, while Whisper, even unprompted,
writes "Yeah." for a breath), and the same audio decoded with no prompt at all must hear the
same answer (a decode primed by the question finds the words it expects in noise). Or, when
it wrote other words, it must find the primed decode's words at least as likely as its own:
a beam of a few loses readings, and unprompted Whisper wrote "Tube.." and "Adam.." for a
quick "Two." and "Agent." while scoring "2" and "agent." likelier (``Transcript.reading_gap``).

A stretch that fails all that but carries a voice's pitch for longer than any of the line's
other sounds (``a_voice``) is still somebody speaking: a clipped "Six." read as "fix", a "Bin
day." read as "bandy". The listener makes it a turn that was not heard, so the caller is
asked again rather than left in silence, and offers none of its words as an answer.
"""

from __future__ import annotations

from voicebot.language.spoken import yes_or_no
from voicebot.speech.base import Transcript
from voicebot.speech.expected import compact, value_piece

DOUBT_CONFIDENCE = 0.4
"""Decode confidence a doubtful stretch needs to count as words."""
SECOND_OPINION_FLOOR = 0.1
"""A less sure decode than DOUBT_CONFIDENCE, but at least this sure, gets a second opinion."""
AGREEING_CONFIDENCE = 0.1
"""How sure the unprompted decode must be to count as agreeing."""
LIKELIER_BY = 0.0
"""The most (log-probability) the unprompted decode's own words may be likelier than the
primed decode's for the two to agree: none. Quick words outside the corpus whose unprompted
beam lost the primed reading scored it 0.3-4.6 likelier; a wrong primed reading ("1 2 3 4 1"
for "Two.") 0.9 less likely."""
LEAST_VOICED_SECONDS = 0.03
"""Voiced time a stretch needs for a second opinion: quick words outside the corpus had 0.03-
0.14 s (a fast "Six" as little as 0.016), breaths, rustle, coughs, thuds and clicks none."""
A_VOICE_SECONDS = 0.04
"""Voiced time that makes a doubtful stretch a caller's voice even when no decode of it can be
trusted (the caller is asked again, not left in silence): three pitched frames, more than
twice the most that any breath, rustle, cough, thud, click or keypad tone on the lines of
bench/line.py reached (0.016, under 384 lines), while quick words outside the corpus that
the recogniser misread ("fix" for "Six.", "item." for "Agent.", "bandy" for "Bin day.") had
0.05-0.24 (one, 0.016)."""


def sure_enough(transcript: Transcript) -> bool:
    """The decode is sure enough to be words at all (the dialogue need not be asked before)."""
    return transcript.heard and transcript.confidence >= DOUBT_CONFIDENCE


def held_words(transcript: Transcript, expect: str | None, answers: bool) -> bool:
    """The decode of a doubtful stretch is words for this question: sure enough, and either a
    whole answer (``answers``, the dialogue's verdict) or a piece of the value expected."""
    if not sure_enough(transcript):
        return False
    return _fits(transcript, expect, answers)


def worth_a_second_opinion(transcript: Transcript, expect: str | None, answers: bool,
                           voiced: float) -> bool:
    """Not sure enough to count, but the words would answer the question (or are a piece of
    the value expected) if they were really said, and the stretch has ``voiced`` seconds of
    a voice's pitch."""
    if sure_enough(transcript) or transcript.confidence < SECOND_OPINION_FLOOR:
        return False
    if voiced < LEAST_VOICED_SECONDS:
        return False
    if not transcript.text.strip():
        return False
    return _fits(transcript, expect, answers)


def a_voice(voiced: float) -> bool:
    """A stretch with ``voiced`` seconds of a voice's pitch is somebody speaking, whatever
    the recogniser made of it."""
    return voiced >= A_VOICE_SECONDS


def _fits(transcript: Transcript, expect: str | None, answers: bool) -> bool:
    """The words answer the question (``answers``, the dialogue's verdict) or are a piece of
    the value expected, as Whisper heard them before any putting right."""
    return answers or value_piece(transcript.heard_as or transcript.text, expect)


def agrees(prompted: Transcript, unprompted: Transcript) -> bool:
    """The decode with no prompt heard the same answer as the one primed by the question, or
    found the primed decode's words at least as likely as its own (``Hints.weigh``)."""
    if unprompted.confidence < AGREEING_CONFIDENCE or not unprompted.text.strip():
        return False
    if same_answer(prompted, unprompted):
        return True
    return unprompted.reading_gap is not None and unprompted.reading_gap <= LIKELIER_BY


def same_answer(prompted: Transcript, unprompted: Transcript) -> bool:
    """The two decodes wrote the same words or figures, or the same yes or no ("Yeah" and
    "Yes.")."""
    said = prompted.heard_as or prompted.text
    if compact(said) and compact(said) == compact(unprompted.text):
        return True
    answer = yes_or_no(said)
    return answer is not None and answer == yes_or_no(unprompted.text)
