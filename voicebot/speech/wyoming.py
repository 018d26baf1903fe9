"""A recogniser on another machine, spoken to over the Wyoming protocol.

One GPU machine running ``wyoming-faster-whisper`` can serve the recognition of many voicebot
processes; ``models.asr: tcp://gpu-host:10300`` selects it. Each utterance is one connection:
``transcribe`` (language and bias words), ``audio-start``, the voiced audio as 16 kHz PCM16
chunks, ``audio-stop``; the server answers one ``transcript``. Only the audio the listener has
already judged to be speech crosses the network, and it stays on the council's own network.

What the protocol cannot carry, and so is lost against the in-process recogniser (see
docs/operations.md): per-question prompts (the words go as ``transcript_terms``, which the
stock server ignores; it uses its own ``--initial-prompt``), the window fitted to the
utterance, batching across calls, alternatives, and confidence: a transcript arrives as bare
text, so it is given a fixed confidence and never reported as doubtful.
"""

from __future__ import annotations

import asyncio
import time

import numpy as np
from wyoming.asr import Transcribe
from wyoming.asr import Transcript as WyomingTranscript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient

from voicebot.audio import float_to_pcm16
from voicebot.errors import RecognitionError
from voicebot.speech.base import SAMPLE_RATE, Hints, Transcript

CHUNK_SECONDS = 0.5
REMOTE_CONFIDENCE = 0.9
"""Wyoming transcripts carry no score: a non-empty one is taken as heard, and confirmed by the
dialogue as any confident transcript would be."""
MAX_TERMS = 40


class WyomingRecognizer:
    """``Recognizer`` over Wyoming; safe to call from many calls at once (a socket each)."""

    def __init__(self, uri: str, *, language: str = "en", timeout: float = 15.0) -> None:
        if not uri.startswith(("tcp://", "unix://")):
            raise RecognitionError("asr-uri", f"models.asr {uri!r} is not tcp://host:port "
                                   "or unix://path")
        self.uri = uri
        self.language = language
        self.timeout = timeout

    async def transcribe(self, audio: np.ndarray, hints: Hints) -> Transcript:
        """Send one utterance (float32, 16 kHz) and wait for its transcript."""
        if audio.size < SAMPLE_RATE // 10:
            return Transcript("", 0.0, 1.0)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                text = await self._exchange(float_to_pcm16(audio), hints)
        except TimeoutError:
            raise RecognitionError("asr-timeout", f"no transcript from {self.uri} within "
                                   f"{self.timeout:.0f} s") from None
        except OSError as err:
            raise RecognitionError("asr-unreachable",
                                   f"cannot reach the recogniser at {self.uri}: {err}") from err
        text = text.strip()
        return Transcript(text, REMOTE_CONFIDENCE if text else 0.0,
                          0.0 if text else 1.0, (), audio.size / SAMPLE_RATE,
                          time.perf_counter() - started)

    async def _exchange(self, pcm: bytes, hints: Hints) -> str:
        async with AsyncClient.from_uri(self.uri) as client:
            terms = list(dict.fromkeys(hints.phrases))[:MAX_TERMS]
            await client.write_event(Transcribe(language=self.language,
                                                transcript_terms=terms or None).event())
            audio_format = {"rate": SAMPLE_RATE, "width": 2, "channels": 1}
            await client.write_event(AudioStart(**audio_format).event())
            step = int(SAMPLE_RATE * CHUNK_SECONDS) * 2
            for offset in range(0, len(pcm), step):
                chunk = AudioChunk(audio=pcm[offset : offset + step], **audio_format)
                await client.write_event(chunk.event())
            await client.write_event(AudioStop().event())
            while (event := await client.read_event()) is not None:
                if WyomingTranscript.is_type(event.type):
                    return WyomingTranscript.from_event(event).text
        raise RecognitionError("asr-failed", f"the recogniser at {self.uri} closed the "
                               "connection without a transcript")

    async def close(self) -> None:
        """Nothing is held between utterances."""
