"""Recorded prompts against the synthetic voice: how loud each is when the caller hears it.

Measures the packaged voice's active speech level (the figure recordings are brought to;
``REFERENCE_LEVEL`` in voicebot/speech/recordings.py), then makes recordings unlike it (other
voices, rates, channel counts, levels 25 dB apart, silence around them), loads them as the
service does, and measures each as the caller receives it: resampled to 8 kHz and through
mu-law, next to the voice through the same line.

    .venv/bin/python bench/prompt_levels.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telephony.codec import pcm16_to_ulaw, ulaw_to_pcm16
from tests.voicebot.speech.recorded import studio_take, write_wav
from voicebot.audio import pcm16_to_float
from voicebot.config import load_settings
from voicebot.speech.engines import LEVEL_REFERENCE, SpeechEngines
from voicebot.speech.levels import speech_level
from voicebot.speech.prompt_book import Clip, PromptBook
from voicebot.speech.recordings import BOOK_RATE, prepare, read_wav

TEXT = "Thank you for calling. What's the postcode of the property?"


def heard_level(pcm8: bytes) -> float:
    """The level of 8 kHz PCM16 after the mu-law line."""
    line = ulaw_to_pcm16(pcm16_to_ulaw(pcm8))
    return speech_level(pcm16_to_float(line), 8000) or float("nan")


def espeak(voice: str, path: Path, amplitude: int) -> Path | None:
    if shutil.which("espeak-ng") is None:
        return None
    subprocess.run(["espeak-ng", "-v", voice, "-a", str(amplitude), "-w", str(path), TEXT],
                   check=True, capture_output=True)
    return path


def takes(engines: SpeechEngines, folder: Path) -> dict[str, Path | None]:
    quiet = studio_take(engines, TEXT, folder / "quiet.wav", gain_db=-25, length_scale=1.2)
    loud = studio_take(engines, TEXT, folder / "loud.wav", rate=22_050, channels=1,
                       gain_db=-3, length_scale=0.9)
    samples, rate = read_wav(loud)
    hot = write_wav(folder / "hot.wav", samples * 1.6, rate)  # a loud take near clipping
    return {
        "piper 48k stereo -25 dB": quiet,
        "piper 22k mono -3 dB": loud,
        "piper 22k mono +1 dB": hot,
        "espeak-ng en-gb a=40": espeak("en-gb", folder / "en.wav", 40),
        "espeak-ng en-gb a=180": espeak("en-gb", folder / "en-loud.wav", 180),
        "espeak-ng cy a=100": espeak("cy", folder / "cy.wav", 100),
    }


def main() -> None:
    engines = SpeechEngines.load(load_settings())
    target = engines.level("en")
    voice_8k = heard_level(engines.render_at(LEVEL_REFERENCE, 8000))
    print(f"voice {engines.synthesizer.voice_name}: active speech level {target:.1f} dBFS at "
          f"{engines.synthesizer.sample_rate} Hz; {voice_8k:.1f} dBFS as heard (8 kHz mu-law)")
    print(f"\n{'recording':26} {'file':>8} {'loaded':>8} {'heard':>8} {'vs voice':>9}")
    book = PromptBook()
    with tempfile.TemporaryDirectory() as scratch:
        for name, path in takes(engines, Path(scratch)).items():
            if path is None:
                print(f"{name:26} (espeak-ng not installed)")
                continue
            raw, rate = read_wav(path)
            try:
                audio = prepare(path, target)
            except ValueError as err:
                print(f"{name:26} refused: {err}")
                continue
            heard = heard_level(book.pcm(Clip(name, audio.samples, BOOK_RATE), 8000))
            print(f"{name:26} {speech_level(raw, rate) or float('nan'):8.1f} "
                  f"{audio.level:8.1f} {heard:8.1f} {heard - voice_8k:+9.1f}")
    engines.pool.shutdown()


if __name__ == "__main__":
    main()
