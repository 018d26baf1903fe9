"""Whisper base on Welsh, and choosing Welsh by voice: an indicative figure only.

No real Welsh speech can be had here (nothing in ../shared/speech/ is Welsh, and no package
ships Welsh recordings), so the Welsh is espeak-ng's synthetic ``cy`` voice, through 8 kHz
mu-law. A formant synthesiser is far easier and far less natural than a caller: the word error
rate printed is a floor on the real one, not an estimate of it, and says nothing of accents,
code-switching or a bad line. Welsh conversation stays off until a real figure exists.

The product's own recogniser decodes (``Hints(language="cy")``); the second table is how often
"Cymraeg" / "Welsh please" said at the greeting (decoded in English, with the words that
choose Welsh as hints) is taken as choosing Welsh by the dialogue's own rule.

    .venv/bin/python bench/welsh.py
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.asr_wer import edit_distance
from bench.voices import Voice, espeak_voices, piper_voices
from voicebot.audio import pcm16_to_float, resample
from voicebot.config import load_settings
from voicebot.flows.actions import CallerTurn
from voicebot.flows.languages import choice_in
from voicebot.flows.schema import LanguageChoice
from voicebot.speech.base import Hints
from voicebot.speech.engines import SpeechEngines

WELSH = [
    "Pryd mae fy miniau'n cael eu casglu?",
    "Dw i eisiau siarad â rhywun am fy nhreth gyngor.",
    "Chafodd fy min ddim ei gasglu ddoe.",
    "Beth yw balans fy nhreth gyngor?",
    "Hoffwn i dalu fy mil.",
    "Rydw i'n symud tŷ y mis nesaf.",
    "Ga i siarad â pherson, os gwelwch yn dda?",
    "Mae'r bin ailgylchu yn dal yn llawn.",
    "Diolch yn fawr, hwyl fawr.",
    "Ydw, mae hynny'n gywir.",
    "Na, nid dyna'r cyfeiriad.",
    "Pa ddiwrnod mae'r lori yn dod?",
    "Mae angen help arna i gyda gostyngiad person sengl.",
    "Dydy'r gwastraff bwyd ddim wedi cael ei gasglu.",
    "Alla i gael bin newydd?",
    "Faint sydd arna i?",
    "Bore da, mae gen i gwestiwn am fy miniau.",
    "Dw i ddim yn deall.",
    "Mae'r biniau'n cael eu casglu bob dydd Mawrth.",
    "Hoffwn i adrodd bin a gollwyd.",
]
CHOICES = ["Cymraeg.", "Cymraeg, os gwelwch yn dda.", "Welsh please.", "In Welsh, please."]
WORDS = ("Cymraeg", "Gymraeg", "Welsh")


def words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.lower().replace("'", "").replace("’", ""))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9]+", plain)


async def transcribe(engines: SpeechEngines, pcm: bytes, hints: Hints) -> str:
    audio = resample(pcm16_to_float(pcm), 8000, 16000)
    return (await engines.recognizer.transcribe(audio, hints)).text


async def welsh_wer(engines: SpeechEngines, voice: Voice) -> tuple[float, list[str]]:
    errors = total = 0
    worst = []
    for sentence in WELSH:
        heard = await transcribe(engines, voice(sentence), Hints(language="cy"))
        distance = edit_distance(words(sentence), words(heard))
        errors, total = errors + distance, total + len(words(sentence))
        worst.append((distance / len(words(sentence)), sentence, heard))
    worst.sort(reverse=True)
    return errors / total, [f"{s!r} -> {h!r}" for _, s, h in worst[:3]]


async def main(verbose: bool = "-v" in sys.argv) -> None:
    voices = espeak_voices()
    if shutil.which("espeak-ng") is None:
        print("espeak-ng is not installed: no Welsh voice, nothing to measure")
        return
    engines = SpeechEngines.load(load_settings())
    welsh = espeak_voices_cy()
    rate, worst = await welsh_wer(engines, welsh)
    print(f"Whisper base, language=cy, espeak-ng cy (synthetic) via 8 kHz mu-law, "
          f"{len(WELSH)} sentences: WER {rate:.1%}")
    for line in worst:
        print(f"  worst: {line}")
    offered = {"cy": LanguageChoice(keypad="1", words=list(WORDS))}
    speakers = {"espeak-cy": welsh, **piper_voices(), **voices}
    print(f"\nChoosing Welsh by voice at the greeting (English decode, hints {WORDS}):")
    for name, voice in speakers.items():
        hits = []
        for choice in CHOICES:
            heard = await transcribe(engines, voice(choice), Hints(phrases=WORDS,
                                                                    prompt=", ".join(WORDS)))
            hits.append(choice_in(CallerTurn(text=heard), offered) == "cy")
            if verbose and not hits[-1]:
                print(f"    {name}: {choice!r} heard as {heard!r}")
        print(f"  {name:24} {sum(hits)}/{len(hits)} chosen")
    await engines.close()


def espeak_voices_cy() -> Voice:
    """espeak-ng's Welsh voice (``cy``), through the phone line."""
    import subprocess
    import tempfile
    import wave

    from bench.voices import phone

    def say(text: str) -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "x.wav"
            subprocess.run(["espeak-ng", "-v", "cy", "-s", "150", "-w", str(path), text],
                           check=True, capture_output=True)
            with wave.open(str(path)) as wav:
                rate, pcm = wav.getframerate(), wav.readframes(wav.getnframes())
        return phone(pcm16_to_float(pcm), rate)

    return say


if __name__ == "__main__":
    asyncio.run(main())
