"""A scripted caller on a real-time line: the simulator's and the end-to-end tests' phone.

Like Twilio, the line sends a 20 ms ``media`` frame every 20 ms for the whole call (silence
when the caller is not speaking), plays the bot's audio out in real time, echoes each ``mark``
once the audio before it has played, and honours ``clear``. Each bot reply is collected with
its response latency: from the end of the caller's speech in the sent audio to the first bot
audio frame received after it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from websockets.exceptions import ConnectionClosed

from telephony.codec import ulaw_to_pcm16
from telephony.twilio import messages
from telephony.twilio.client import MediaStream, StreamAnswer, TwilioClient

RATE = 8000
FRAME_BYTES = 320
FRAME_SECONDS = 0.02
SILENCE = bytes(FRAME_BYTES)
VOICED_RMS = 300.0
"""A frame louder than this (about -40 dBFS) counts as speech when finding where speech ends."""


@dataclass(frozen=True)
class Speech:
    """The caller says something: PCM16 mono at 8 kHz."""

    pcm: bytes
    label: str = "speech"


@dataclass(frozen=True)
class Keys:
    """The caller presses keys, one DTMF event each, ``gap`` seconds apart."""

    digits: str
    gap: float = 0.15


@dataclass(frozen=True)
class Silence:
    """The caller says nothing for a while (the bot may prompt again)."""

    seconds: float


CallerStep = Speech | Keys | Silence


@dataclass
class BotReply:
    """What the caller heard after one step (``after`` is empty for the greeting)."""

    after: str
    audio: bytes = b""
    latency: float | None = None
    cleared: int = 0
    longest_gap: float = 0.0
    """The longest silence on the wire inside the reply: seconds between the end of the audio
    received so far and the arrival of the next frame (the carrier had nothing to play)."""

    @property
    def seconds(self) -> float:
        return len(self.audio) / (2 * RATE)


@dataclass
class CallReport:
    """A whole call as the caller saw it, ending with the TwiML the action URL answered."""

    call_sid: str
    answer: StreamAnswer
    replies: list[BotReply] = field(default_factory=list)
    ended_by: Literal["bot", "caller"] = "caller"
    outcome_twiml: str = ""
    marks_echoed: int = 0


def speech_end_offset(pcm: bytes) -> float:
    """Seconds from the start of ``pcm`` to the end of its last voiced 20 ms frame."""
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.float64)
    frames = len(samples) // (FRAME_BYTES // 2)
    if frames == 0:
        return 0.0
    shaped = samples[: frames * (FRAME_BYTES // 2)].reshape(frames, -1)
    voiced = np.flatnonzero(np.sqrt((shaped**2).mean(axis=1)) > VOICED_RMS)
    return float(voiced[-1] + 1) * FRAME_SECONDS if len(voiced) else 0.0


class _Line:
    """The live line: the real-time sender, the receiver and the caller's playout model."""

    def __init__(self, stream: MediaStream) -> None:
        self.stream = stream
        self.outbox: deque[bytes | str] = deque()  # PCM frames, or a DTMF digit
        self.outbox_empty = asyncio.Event()
        self.outbox_empty.set()
        self.voiced_sent_at = 0.0
        self.play_end = 0.0
        self.marks: deque[tuple[float, str]] = deque()
        self.marks_echoed = 0
        self.closed = asyncio.Event()
        self.reply = BotReply("")
        self._heard: list[tuple[float, bytes]] = []
        self._reply_after = 0.0
        self._voiced_frame: bytes | None = None

    def begin(self, after: str, reply_after: float) -> None:
        self.reply = BotReply(after)
        self._heard = []
        self._reply_after = reply_after

    def expect_reply_after(self, moment: float) -> None:
        """Latency counts from ``moment``: the end of the caller's speech or keys."""
        self._reply_after = moment

    def finish(self) -> BotReply:
        self.reply.audio = b"".join(frame for _, frame in self._heard)
        return self.reply

    def say(self, pcm: bytes) -> None:
        voiced_frames = round(speech_end_offset(pcm) / FRAME_SECONDS)
        if not pcm:
            return
        padded = pcm + bytes(-len(pcm) % FRAME_BYTES)
        frames = [padded[i : i + FRAME_BYTES] for i in range(0, len(padded), FRAME_BYTES)]
        self._voiced_frame = frames[voiced_frames - 1] if voiced_frames else frames[-1]
        self.outbox.extend(frames)
        self.outbox_empty.clear()

    async def send_forever(self) -> None:
        loop = asyncio.get_running_loop()
        start, ticks = loop.time(), 0
        while not self.closed.is_set():
            item = self.outbox.popleft() if self.outbox else SILENCE
            if isinstance(item, str):
                await self.stream.send_dtmf(item)
                self.voiced_sent_at = loop.time()
                item = SILENCE
            await self.stream.send_audio(item)
            if item is self._voiced_frame:
                self.voiced_sent_at = loop.time()
            if not self.outbox:
                self.outbox_empty.set()
            while self.marks and self.marks[0][0] <= loop.time():
                await self.stream.send_mark(self.marks.popleft()[1])
                self.marks_echoed += 1
            ticks += 1
            await asyncio.sleep(max(0.0, start + ticks * FRAME_SECONDS - loop.time()))

    async def receive_forever(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            async for raw in self.stream.socket:
                self._take(messages.parse_outbound(raw), loop.time())
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()

    def _take(self, message: messages.OutboundMessage, now: float) -> None:
        if message["event"] == "media":
            pcm = ulaw_to_pcm16(base64.b64decode(message["media"]["payload"]))
            if self._heard and now > self.play_end:
                self.reply.longest_gap = max(self.reply.longest_gap, now - self.play_end)
            starts = max(now, self.play_end)
            self.play_end = starts + len(pcm) / (2 * RATE)
            self._heard.append((starts, pcm))
            if self.reply.latency is None and now >= self._reply_after:
                self.reply.latency = now - self._reply_after
        elif message["event"] == "mark":
            self.marks.append((self.play_end, message["mark"]["name"]))
        else:  # clear: unplayed audio is gone; Twilio echoes the marks still pending
            self._heard = [(at, pcm) for at, pcm in self._heard if at <= now]
            self.play_end = now
            self.marks = deque((now, name) for _, name in self.marks)
            self.reply.cleared += 1


class ScriptedCaller:
    """Places one call and plays ``steps`` in real time, collecting every bot reply."""

    def __init__(self, client: TwilioClient, *, quiet: float = 1.0, reply_timeout: float = 15.0,
                 end_timeout: float = 10.0) -> None:
        self.client = client
        self.quiet = quiet
        self.reply_timeout = reply_timeout
        self.end_timeout = end_timeout

    async def run(self, steps: list[CallerStep], *, hang_up: bool = True,
                  barge_in_after: float | None = None) -> CallReport:
        """The whole call: webhook, stream, greeting, each step's reply, the end, the action.

        With ``barge_in_after`` the caller starts the steps that many seconds into the greeting
        instead of waiting for it to finish (the reply to the first step then shows the
        ``clear`` the service sent).
        """
        answer = await self.client.ring()
        report = CallReport(self.client.call_sid, answer)
        stream = await self.client.open_stream(answer.stream_url, answer.parameters)
        line = _Line(stream)
        tasks = [asyncio.create_task(line.send_forever()),
                 asyncio.create_task(line.receive_forever())]
        try:
            line.begin("", asyncio.get_running_loop().time())
            if barge_in_after is None:
                report.replies.append(await self._reply(line))
            else:
                await asyncio.sleep(barge_in_after)
                report.replies.append(line.finish())
            for step in steps:
                if line.closed.is_set():
                    break
                report.replies.append(await self._play(line, step))
            report.ended_by = "bot" if line.closed.is_set() else "caller"
            if not hang_up and not line.closed.is_set():
                line.begin("after the last step", float("inf"))  # the last reply is done
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(line.closed.wait(), self.end_timeout)
                report.ended_by = "bot" if line.closed.is_set() else "caller"
            if not line.closed.is_set():
                with contextlib.suppress(ConnectionClosed):
                    await stream.send_stop()
        finally:
            line.closed.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await stream.close()
        report.marks_echoed = line.marks_echoed
        report.outcome_twiml = await self.client.after(answer.action_url)
        return report

    async def _play(self, line: _Line, step: CallerStep) -> BotReply:
        loop = asyncio.get_running_loop()
        if isinstance(step, Speech):
            line.begin(step.label, float("inf"))
            line.say(step.pcm)
            await line.outbox_empty.wait()
            line.expect_reply_after(line.voiced_sent_at)
        elif isinstance(step, Keys):
            line.begin(f"keys {step.digits}", float("inf"))
            for index, digit in enumerate(step.digits):
                if index:
                    await asyncio.sleep(step.gap)
                line.outbox.append(digit)
                line.outbox_empty.clear()
                await line.outbox_empty.wait()
            line.expect_reply_after(line.voiced_sent_at)
        else:
            line.begin(f"silence {step.seconds:g} s", loop.time())
            with contextlib.suppress(TimeoutError):  # unless the bot ends the call first
                await asyncio.wait_for(line.closed.wait(), step.seconds)
            if line.reply.latency is None:
                return line.finish()
        return await self._reply(line)

    async def _reply(self, line: _Line) -> BotReply:
        """Wait for the bot to answer and then fall quiet (or give up after a timeout)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reply_timeout
        while not line.closed.is_set():
            now = loop.time()
            if line.reply.latency is not None and now > line.play_end + self.quiet:
                break
            if line.reply.latency is None and now > deadline:
                break
            await asyncio.sleep(FRAME_SECONDS)
        return line.finish()
