"""Where a reply is cut before synthesis: sentences, and long sentences at their commas.

Pure text, so the speaker and the prompt cache agree on the pieces without loading a voice.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(£])")


LONG_SENTENCE = 90
"""Characters above which a sentence is spoken in clauses, so its first words leave sooner."""


def sentences(text: str) -> list[str]:
    """Split a reply into sentences, and long sentences at their commas.

    Abbreviations like 'St.' before a lower-case word stay. A long sentence (a list of bin
    days) takes over half a second to synthesise whole; its first clause takes a fraction.
    """
    parts: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        sentence = sentence.strip()
        if len(sentence) <= LONG_SENTENCE:
            parts.append(sentence)
            continue
        clause = ""
        for piece in re.split(r"(?<=[,:;])\s+", sentence):
            clause = f"{clause} {piece}".strip()
            if len(clause) >= 30:
                parts.append(clause)
                clause = ""
        if clause:
            parts.append(clause)
    return [part for part in parts if part]
