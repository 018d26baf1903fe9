"""Where one turn's time went, from the end of the caller's speech to the reply's first audio.

The listener knows the pause that ended the turn and how long recognition took (and of that,
the wait for the recogniser and the decode); the speaker knows when the reply's first audio was
ready and handed to the carrier. Together they make one ``turn-timing`` call event, so that
`bench/latency.py` can show which part makes a slow turn slow.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicebot.speech.base import Transcript


@dataclass(frozen=True)
class TurnTiming:
    """The listener's share of a turn (``ended`` is ``time.monotonic()`` at the turn's end)."""

    pause: float
    ended: float
    recognition: float
    transcript: Transcript

    def event_data(self, said: float, ready: float, played: float) -> dict[str, float]:
        """Every part in seconds; ``said``, ``ready``, ``played`` are monotonic times at which
        the reply was asked for, its first audio was made, and that audio went to the line."""
        heard = self.ended + self.recognition
        parts = {
            "pause": self.pause,
            "recognition": self.recognition,
            "queue": self.transcript.queue_seconds,
            "decode": self.transcript.decode_seconds,
            "understand": max(0.0, said - heard),
            "synthesis": ready - said,
            "pacing": played - ready,
            "total": self.pause + played - self.ended,
        }
        return {name: round(value, 3) for name, value in parts.items()}
