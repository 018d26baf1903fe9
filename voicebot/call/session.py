"""CallSession: one phone call, from greeting to hang-up or handover.

It joins the three halves of a call: the listener (caller audio -> what was said), the dialogue
(what was said -> what to do) and the speaker (what to say -> audio). It owns barge-in, silence
timing and keypad entry, and it guarantees the call never just dies: on any internal error the
caller hears an apology and is transferred.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from telephony import AudioIn, Call, DigitIn, MarkPlayed, Outcome, StreamStopped
from voicebot.call import handing
from voicebot.call.listener import Heard, NotHeard, SpeechStarted
from voicebot.errors import VoicebotError
from voicebot.events import CallEvent, CallEventType, EventSink
from voicebot.flows.actions import (
    Action,
    CallerTurn,
    Expectation,
    Handover,
    Hangup,
    Listen,
    Say,
)
from voicebot.speech.base import Hints

_LOGGER = logging.getLogger(__name__)

APOLOGY = (
    "I'm sorry, something has gone wrong on our side. "
    "I'm passing you to a member of our team now, so please stay on the line."
)
DIGIT_PAUSE = 3.0
"""Seconds after the last keypress before a shorter-than-expected entry is taken as complete."""


class DialoguePort(Protocol):
    """What the session needs of the flow engine (voicebot.flows.engine.Dialogue)."""

    async def start(self) -> list[Action]: ...

    async def hear(self, turn: CallerTurn) -> list[Action]: ...

    async def silence(self) -> list[Action]: ...

    async def not_heard(self) -> list[Action]: ...

    def is_complete(self, text: str) -> bool: ...

    @property
    def verified(self) -> bool: ...

    @property
    def slots(self) -> Any: ...


Heard_ = SpeechStarted | Heard | NotHeard


class ListenerPort(Protocol):
    """What the session needs of the listener (voicebot.call.listener.Listener)."""

    def expect(self, hints: Hints) -> None: ...

    def feed(self, frame: AudioIn) -> None: ...

    async def next(self) -> Heard_: ...


class SpeakerPort(Protocol):
    """What the session needs of the speaker (voicebot.call.speaker.Speaker)."""

    async def say(self, text: str, interruptible: bool = True) -> bool: ...


HandoverToOutcome = Callable[[Handover, DialoguePort], Awaitable[Outcome]]
"""Turns the dialogue's handover into a carrier outcome (target, whisper, context)."""


@dataclass(frozen=True)
class _Keys:
    digits: str


@dataclass(frozen=True)
class _Silence:
    pass


@dataclass(frozen=True)
class _Stopped:
    reason: str


class CallSession:
    """Runs one call; build one per call with that call's listener, dialogue and speaker."""

    def __init__(
        self,
        call: Call,
        dialogue: DialoguePort,
        listener: ListenerPort,
        speaker: SpeakerPort,
        handover: HandoverToOutcome,
        events: EventSink,
        apology: str = APOLOGY,
    ) -> None:
        self.call = call
        self.dialogue = dialogue
        self.listener = listener
        self.speaker = speaker
        self.handover = handover
        self.events = events
        self.apology = apology
        self._inbox: asyncio.Queue[_Keys | _Stopped | Heard_] = asyncio.Queue()
        self._speaking: asyncio.Task[bool] | None = None
        self._speaking_interruptible = False
        self._stopped: str | None = None
        self._barged = False
        self._speech_open = False
        self._digits = ""
        self._digit_deadline = 0.0
        self._max_digits = 1
        self._conversation: asyncio.Task[tuple[Outcome, str]] | None = None
        self._shutting_down = False

    @property
    def sid(self) -> str:
        return self.call.info.call_sid

    def _emit(self, kind: CallEventType, **data: Any) -> None:
        self.events(CallEvent(kind, self.sid, data))

    async def run(self) -> Outcome:
        """The whole call; always returns an outcome and always records the call's end."""
        info = self.call.info
        self._emit(CallEventType.CALL_START, **{"from": info.from_number, "to": info.to_number})
        outcome = Outcome("hangup", reason="caller-hung-up")
        label = "abandoned"
        pumps = [
            asyncio.create_task(self._pump_carrier(), name=f"carrier-{self.sid}"),
            asyncio.create_task(self._pump_listener(), name=f"listener-{self.sid}"),
        ]
        self._conversation = asyncio.create_task(self._converse(), name=f"dialogue-{self.sid}")
        try:
            outcome, label = await self._conversation
        except asyncio.CancelledError:
            if not self._shutting_down or handing.cancelled_from_outside():
                raise
            outcome, label = await self._leave_for_shutdown()
        except Exception as err:
            outcome, label = await self._fail(err)
        finally:
            for task in pumps:
                task.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            self._emit(CallEventType.CALL_END, outcome=label, reason=outcome.reason)
        return outcome

    def shut_down(self) -> None:
        """The drain limit: cancel the conversation; ``run`` then hands the caller over."""
        if self._conversation is None or self._conversation.done() or self._shutting_down:
            return
        self._shutting_down = True
        self._conversation.cancel()

    async def _converse(self) -> tuple[Outcome, str]:
        actions = await self.dialogue.start()
        while True:
            result = await self._perform(actions)
            if isinstance(result, tuple):
                return result
            if result is None or self._stopped is not None:
                if result is not None and asyncio.iscoroutine(result):
                    result.close()
                return Outcome("hangup", reason="caller-hung-up"), "abandoned"
            actions = await result

    async def _perform(
        self, actions: list[Action]
    ) -> tuple[Outcome, str] | Awaitable[list[Action]] | None:
        """Carry out the actions; return the final outcome, or the dialogue's next reply.

        After a barge-in the remaining sentences are dropped, but a handover or hang-up still
        happens and the caller's interruption is taken as the answer to the pending question.
        """
        self._barged = False
        for action in actions:
            if self._stopped is not None:
                return Outcome("hangup", reason="caller-hung-up"), "abandoned"
            if isinstance(action, Say):
                if not self._barged:
                    await self._say(action)
            elif isinstance(action, Listen):
                return await self._listen(action)
            elif isinstance(action, Handover):
                return await self._hand_over(action)
            elif isinstance(action, Hangup):
                await self._finish_speaking()
                await self.call.close()
                return Outcome("hangup", reason=action.reason), "contained"
        return await self._listen(Listen())

    async def _hand_over(self, action: Handover) -> tuple[Outcome, str]:
        await self._finish_speaking()
        outcome = await self.handover(action, self.dialogue)
        self._emit(
            CallEventType.TRANSFER,
            team=action.team,
            reason=action.reason,
            summary=action.summary,
            verified=self.dialogue.verified,
            slots=handing.plain_slots(self.dialogue.slots),
        )
        await self.call.close()
        return outcome, "transferred"

    async def _say(self, action: Say) -> None:
        """Queue a sentence after the one being spoken; notices are waited for in full."""
        await self._finish_speaking()
        if self._barged:
            return
        self._speaking_interruptible = action.interruptible
        self._speaking = asyncio.create_task(self.speaker.say(action.text, action.interruptible))
        if not action.interruptible:
            await self._finish_speaking()

    async def _finish_speaking(self) -> None:
        task, self._speaking = self._speaking, None
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _listen(self, listen: Listen) -> Awaitable[list[Action]] | None:
        """Wait for an answer; the silence timer starts when the bot has finished speaking."""
        expect = listen.expect
        self._max_digits = expect.max_digits or 1
        self.listener.expect(self._hints(expect))
        while True:
            item = await self._next(listen.timeout)
            if isinstance(item, _Stopped):
                return None
            if isinstance(item, _Silence):
                self._emit(CallEventType.SILENCE, seconds=listen.timeout)
                return self.dialogue.silence()
            if isinstance(item, _Keys):
                return self.dialogue.hear(CallerTurn(digits=item.digits))
            if isinstance(item, SpeechStarted):
                continue
            if isinstance(item, NotHeard):
                doubtful = item.transcript
                if doubtful is None or not self.dialogue.is_complete(doubtful.text):
                    return self.dialogue.not_heard()
                # Unsure words that still make a whole answer (a spelled postcode often
                # scores low): pass them on with their low confidence, so they get confirmed.
                text = doubtful
            else:
                text = item.transcript
            return self.dialogue.hear(
                CallerTurn(
                    text=text.text, alternatives=text.alternatives, confidence=text.confidence
                )
            )

    async def _next(self, silence_after: float) -> _Keys | _Stopped | _Silence | Heard_:
        """The next thing the caller does; silence counts only once the bot is quiet."""
        while True:
            if self._speaking is not None and not self._speaking.done():
                getter = asyncio.ensure_future(self._inbox.get())
                done, _ = await asyncio.wait(
                    {getter, self._speaking}, return_when=asyncio.FIRST_COMPLETED
                )
                if getter in done:
                    return getter.result()
                getter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await getter
                continue
            try:
                return await asyncio.wait_for(self._inbox.get(), silence_after)
            except TimeoutError:
                if self._speech_open:
                    continue  # the caller is mid-sentence: not silence
                return _Silence()

    def _hints(self, expect: Expectation) -> Hints:
        phrases = tuple(expect.options) + tuple(expect.phrases)
        return Hints(
            expect=expect.slot_type,
            phrases=phrases,
            prompt=", ".join(phrases[:40]),
            is_complete=self.dialogue.is_complete,
        )

    async def _pump_carrier(self) -> None:
        """Carrier events -> listener audio, keypad entries, the end of the stream."""
        async for event in self.call.events():
            if isinstance(event, AudioIn):
                self.listener.feed(event)
            elif isinstance(event, DigitIn):
                await self._key(event.digit)
            elif isinstance(event, StreamStopped):
                self._stopped = event.reason
                await self._stop_speaking()
                self._inbox.put_nowait(_Stopped(event.reason))
                return
            elif isinstance(event, MarkPlayed):
                continue
        self._stopped = self._stopped or "closed"
        self._inbox.put_nowait(_Stopped("closed"))

    async def _key(self, digit: str) -> None:
        """Keypad entry: barges in, and is collected until complete, '#', or a pause."""
        self._emit(CallEventType.DIGITS, digit=digit)
        await self._barge_in()
        if digit == "#":
            entry, self._digits = self._digits, ""
            self._inbox.put_nowait(_Keys(entry or "#"))
            return
        self._digits += digit
        self._digit_deadline = time.monotonic() + DIGIT_PAUSE
        if len(self._digits) >= self._max_digits:
            entry, self._digits = self._digits, ""
            self._inbox.put_nowait(_Keys(entry))
        elif len(self._digits) == 1:
            asyncio.get_running_loop().call_later(DIGIT_PAUSE, self._flush_digits)

    def _flush_digits(self) -> None:
        if not self._digits:
            return
        remaining = self._digit_deadline - time.monotonic()
        if remaining > 0.05:
            asyncio.get_running_loop().call_later(remaining, self._flush_digits)
            return
        entry, self._digits = self._digits, ""
        self._inbox.put_nowait(_Keys(entry))

    async def _pump_listener(self) -> None:
        """Listener results -> barge-in and the session's inbox."""
        while True:
            item = await self.listener.next()
            if isinstance(item, SpeechStarted):
                self._speech_open = True
                await self._barge_in()
            else:
                self._speech_open = False
            self._inbox.put_nowait(item)

    async def _barge_in(self) -> None:
        task = self._speaking
        if task is None or task.done() or not self._speaking_interruptible:
            return
        self._barged = True
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await self.call.clear()
        self._emit(CallEventType.BARGE_IN)

    async def _stop_speaking(self) -> None:
        task = self._speaking
        if task is not None and not task.done():
            task.cancel()

    async def _fail(self, err: Exception) -> tuple[Outcome, str]:
        """Apologise and hand over; used for any error, expected or not."""
        if isinstance(err, VoicebotError):
            _LOGGER.error("call %s: %s", self.sid, err)
            code, message = err.code, err.message
        else:
            _LOGGER.error("call %s: unexpected error", self.sid, exc_info=err)
            code, message = "internal-error", f"{type(err).__name__}: {err}"
        self._emit(CallEventType.ERROR, code=code, message=message)
        await self._stop_speaking()
        if self._stopped is not None:
            return Outcome("hangup", reason=f"error: {code}"), "error"
        return await handing.pass_on(self, self.apology, handing.technical_problem(code)), "error"

    async def _leave_for_shutdown(self) -> tuple[Outcome, str]:
        """The drain limit was reached: tell the caller and hand them to a person."""
        _LOGGER.warning("call %s: still in progress at the drain limit; handing over", self.sid)
        await self._stop_speaking()
        if self._stopped is not None:
            return Outcome("hangup", reason="caller-hung-up"), "abandoned"
        with contextlib.suppress(Exception):
            await self.call.clear()
        return await handing.pass_on(self, handing.SHUTDOWN_NOTICE, handing.RESTART), "shutdown"
