"""Speech synthesis speed: time to first audio and real-time factor for typical replies.

Uses the service's own path (sentence streaming in the TTS pool, resampled to 8 kHz), and
reports the memory the loaded speech models take.

    .venv/bin/python bench/tts.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voicebot.config import load_settings
from voicebot.speech.clauses import sentences
from voicebot.speech.engines import SpeechEngines

REPLIES = [
    "Thanks. What's the house number or name?",
    "Your next collections at 21 Hawthorn Close are: your garden bin on Thursday the 26th of "
    "November, your food caddy on Monday the 30th of November, and your refuse bin on Monday "
    "the 7th of December. Is there anything else I can help you with today?",
    "Thank you. Your council tax balance is one thousand, one hundred and forty-seven pounds "
    "fifty. Your next instalment of one hundred and sixteen pounds seventeen is due on Tuesday "
    "the 1st of December.",
]


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    before = resident_mb()
    engines = SpeechEngines.load(load_settings())
    loaded = resident_mb()
    await engines.warm([])
    print(f"speech models resident: {loaded - before:.0f} MB (process {resident_mb():.0f} MB)")
    print(f"{'reply':40} {'first audio s':>14} {'whole s':>8} {'audio s':>8} {'RTF':>6}")
    for reply in REPLIES:
        firsts, wholes, audio = [], [], 0.0
        for _ in range(args.repeat):
            start = time.perf_counter()
            total = 0
            for index, sentence in enumerate(sentences(reply)):
                pcm = await engines.pool.tts(functools.partial(engines.render_at, sentence, 8000))
                if index == 0:
                    firsts.append(time.perf_counter() - start)
                total += len(pcm)
            wholes.append(time.perf_counter() - start)
            audio = total / 2 / 8000
        whole = statistics.median(wholes)
        print(f"{reply[:38] + '..':40} {statistics.median(firsts):>14.3f} {whole:>8.3f} "
              f"{audio:>8.2f} {whole / audio:>6.3f}")
    await engines.close()


if __name__ == "__main__":
    asyncio.run(main())
