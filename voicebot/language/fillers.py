"""The request inside a caller's sentence: hesitations, greetings and preambles set aside.

Callers rarely start with the request. "Erm, hiya, yeah, I was just ringing because, um, the
bins..." is mostly words that say nothing about what they want, and a sentence vector is an
average: every such word pulls it away from the intent's examples and towards every other
sentence that starts the same way. So the sentence model is given the request alone. The words
removed carry no meaning for routing, so nothing a caller asked for is lost; when nothing would
be left (a caller who only says "hello?"), the words are kept as they were.
"""

from __future__ import annotations

import re

_HESITATION = r"(?:u+m+|u+h+|e+r+m*|a+h+|e+h+|h+m+|mm+)"
"""Sounds a recogniser writes for a pause: um, uh, er, erm, ah, eh, hmm, mm."""

_PREAMBLE = re.compile(
    r"^(?:\s*(?:good\s+(?:morning|afternoon|evening)|(?:hi|hello|hey)\s+there"
    r"|sorry\s+to\s+(?:bother|trouble)\s+you|the\s+thing\s+is|" + _HESITATION
    + r"|oh|so|well|right|okay|ok|yeah|yes|yep|hiya|hi|hello|hey|love|mate|basically|anyway"
    r"|you\s+know|i\s+mean|i\s+was\s+(?:just\s+)?wondering(?:\s+if)?"
    r"|(?:it'?s|it\s+is|this\s+is|i'?m)?\s*(?:about|regarding)"
    r"|i'?m\s+(?:just\s+)?(?:ringing|calling|phoning)(?:\s+up)?(?:\s+(?:because|cause|cos|as))?"
    r"|i\s+was\s+(?:just\s+)?(?:ringing|calling|phoning)(?:\s+up)?"
    r"(?:\s+(?:because|cause|cos|as))?)\s*[,.!?]*)+\s",
    re.IGNORECASE)
"""Openings that come before the request, in any number and order."""

_INSIDE = re.compile(r"(?:(?<=\s)|^)(?:" + _HESITATION + r"|you\s+know|sort\s+of|kind\s+of)"
                     r"[,.]*(?=\s|$)", re.IGNORECASE)
"""Hesitations and hedges within the request ("my, erm, bin", "it's sort of not been")."""

_STUTTER = re.compile(r"\b(\w+)(?:[\s,.-]+\1\b)+", re.IGNORECASE)
"""A word said twice or more in a row ("I I want", "my- my bin")."""


def core_request(text: str) -> str:
    """The words that make the request, for the sentence model; the text itself when nothing
    else would be left."""
    core = _PREAMBLE.sub("", text + " ", count=1)
    core = _INSIDE.sub(" ", core)
    core = _STUTTER.sub(r"\1", core)
    core = " ".join(re.sub(r"\s+([,.!?])", r"\1", core).strip(" ,.").split())
    return core if re.search(r"[a-z0-9]", core, re.IGNORECASE) else text
