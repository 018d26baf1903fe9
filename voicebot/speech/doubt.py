"""Whether a loud stretch the VAD doubted held words: the recogniser's verdict, made strict.

Some quick words never convince Silero (a fast "Oh." or "Eight." scores 0.1-0.45 in every
window), so the listener has Whisper decode a loud stretch that never started a turn. But
Whisper, primed with what the question expects, also finds words in sounds that are none:
"Oh" for a cough or a thud when an account number is asked for, "Yeah." for a breath at a
yes-or-no question, at a confidence of at most 0.34 (measured: breaths, coughs, thuds, rustle
and hums, 240 decodes under four kinds of question). Quick real words scored 0.4-0.9. So a
doubtful stretch counts only when the decode is that sure, and only when its words answer the
question or are a piece of a postcode or account number being spelled out.
"""

from __future__ import annotations

from voicebot.speech.base import Transcript
from voicebot.speech.expected import value_piece

DOUBT_CONFIDENCE = 0.4
"""Decode confidence a doubtful stretch needs to count as words."""


def sure_enough(transcript: Transcript) -> bool:
    """The decode is sure enough to be words at all (the dialogue need not be asked before)."""
    return transcript.heard and transcript.confidence >= DOUBT_CONFIDENCE


def held_words(transcript: Transcript, expect: str | None, answers: bool) -> bool:
    """The decode of a doubtful stretch is words for this question: sure enough, and either a
    whole answer (``answers``, the dialogue's verdict) or a piece of the value expected."""
    if not sure_enough(transcript):
        return False
    return answers or value_piece(transcript.heard_as or transcript.text, expect)
