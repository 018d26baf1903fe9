"""Added latency per turn of a remote (Wyoming) recogniser, against Whisper in the process.

Runs the real `wyoming-faster-whisper` server on loopback with the same Whisper base model
(int8, beam 2, the same CPU threads) and transcribes the same utterances, one at a time, three
ways: voicebot's in-process recogniser (window fitted to the utterance); faster-whisper called
the way the server calls it (30 s window), in this process; and the Wyoming round trip. The
difference between the last two is what the protocol and the socket add; the rest is the
server's own decoding choices, which a GPU mostly hides.

    flock -x /tmp/voicebot-cpu.lock .venv/bin/python bench/remote_asr.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.latency_report import percentile
from bench.voices import all_voices
from tests.e2e.wyoming_server import wyoming_whisper
from voicebot.audio import pcm16_to_float, resample
from voicebot.config import load_settings
from voicebot.speech.base import Hints
from voicebot.speech.engines import SpeechEngines
from voicebot.speech.wyoming import WyomingRecognizer

PHRASES = [
    "When is my bin collected?",
    "How much council tax do I owe?",
    "My recycling wasn't collected this week.",
    "L S 6, 2 Q T.",
    "Twenty one Hawthorn Close.",
    "Yes, that's right.",
    "Can I speak to a real person please?",
    "No, thank you, that's all.",
]


def utterances() -> list[np.ndarray]:
    voices = all_voices()
    chosen = [name for name in ("espeak-en-gb", "piper-joe-slow", "espeak-en-gb-x-rp")
              if name in voices]
    return [resample(pcm16_to_float(voices[v](p)), 8000, 16000) for v in chosen for p in PHRASES]


def row(name: str, seconds: list[float]) -> str:
    return (f"{name:44} {statistics.median(seconds):7.3f} {percentile(seconds, 0.95):7.3f} "
            f"{statistics.mean(seconds):7.3f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    audio = utterances() * args.repeat
    settings = load_settings()
    engines = SpeechEngines.load(settings)
    local, direct, remote = [], [], []
    from faster_whisper import WhisperModel

    server_like = WhisperModel(str(engines.paths.whisper_dir), device="cpu",
                               compute_type="int8", cpu_threads=engines.pool.asr_threads)
    with tempfile.TemporaryDirectory() as folder, \
            wyoming_whisper(Path(folder), threads=engines.pool.asr_threads) as uri:
        wyoming = WyomingRecognizer(uri)
        await engines.recognizer.transcribe(audio[0], Hints())
        await wyoming.transcribe(audio[0], Hints())
        for utterance in audio:
            started = time.perf_counter()
            await engines.recognizer.transcribe(utterance, Hints())
            local.append(time.perf_counter() - started)
            started = time.perf_counter()
            segments, _ = server_like.transcribe(utterance, language="en", beam_size=2)
            list(segments)
            direct.append(time.perf_counter() - started)
            started = time.perf_counter()
            await wyoming.transcribe(utterance, Hints())
            remote.append(time.perf_counter() - started)
    await engines.close()
    added = [r - w for r, w in zip(remote, local, strict=True)]
    protocol = [r - d for r, d in zip(remote, direct, strict=True)]
    print(f"{len(audio)} utterances, {sum(a.size for a in audio) / 16000:.0f} s of audio, "
          f"{engines.pool.asr_threads} CPU threads each way")
    print(f"{'seconds per utterance':44} {'p50':>7} {'p95':>7} {'mean':>7}")
    print(row("in process (voicebot, fitted window)", local))
    print(row("faster-whisper as the server runs it", direct))
    print(row("Wyoming round trip (wyoming-faster-whisper)", remote))
    print(row("added per turn: Wyoming - in process", added))
    print(row("of which protocol + socket: Wyoming - direct", protocol))


if __name__ == "__main__":
    asyncio.run(main())
