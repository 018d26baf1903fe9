"""Whether words heard so far read as a finished sentence: a cue that the caller has finished.

A turn whose words do not (yet) answer the question ends after the normal pause (0.7 s), long
enough for a caller who stops to think mid-request. But a caller who was misheard ("When is my
bin collected?" as "Where is my bin corrected?") has usually finished: Whisper wrote a whole
sentence with its closing mark, from the audio's own intonation. Such a turn ends after a
shorter pause. A sentence that breaks off on a word nobody ends on ("about my", "and", "erm")
or that is only a word or two is not taken as finished.
"""

from __future__ import annotations

import re

OPEN_ENDINGS = frozenset({
    "a", "an", "the", "my", "our", "your", "his", "her", "their", "me", "to", "for", "of",
    "about", "with", "from", "in", "on", "at", "by", "into", "and", "or", "but", "so",
    "because", "if", "when", "that", "which", "who", "is", "are", "was", "were", "i", "i'm",
    "it's", "its", "it", "erm", "um", "uh", "er", "hmm", "like", "just", "can", "could",
    "would", "will", "do", "does", "did", "have", "has", "had", "be", "been", "not", "no",
    "then", "than", "also", "well", "sorry", "please",
})
"""Last words that leave a sentence open (lower case, without punctuation). "Please" is
here too: "Can I ... please." is often followed by the request itself."""

MIN_WORDS = 3


def reads_finished(text: str) -> bool:
    """Whether ``text`` ends a sentence: a closing mark, at least ``MIN_WORDS`` words, and a
    last word a sentence can end on."""
    stripped = text.strip()
    if not stripped or stripped[-1] not in ".?!" or stripped.endswith("..."):
        return False
    words = re.findall(r"[a-z0-9']+", stripped.lower())
    return len(words) >= MIN_WORDS and words[-1] not in OPEN_ENDINGS
