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
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from telephony import AudioIn, Call, DigitIn, MarkPlayed, Outcome, StreamStopped
from voicebot.call import handing
from voicebot.call.expecting import hints_for
from voicebot.call.handing import APOLOGY, TIME_UP
from voicebot.call.keypad import KeyEntry, Keypad, ScrubbedView
from voicebot.call.listener import Broken, NotHeard, SpeechStarted
from voicebot.call.ports import (
    DialoguePort,
    DialogueView,
    HandoverToOutcome,
    Heard_,
    ListenerPort,
    SpeakerPort,
)
from voicebot.call.tasks import now, settle, wrapped
from voicebot.call.timing import TurnTiming
from voicebot.call.watchdog import TurnWatchdog
from voicebot.errors import VoicebotError
from voicebot.events import CallEvent, CallEventType, EventSink
from voicebot.flows.actions import (
    Action,
    CallerTurn,
    Handover,
    Hangup,
    Listen,
    Say,
)

_LOGGER = logging.getLogger(__name__)

CARD_NOTICE = (
    "For your security, please don't key in or read out card details on this line. "
    "I can't take payments, and I haven't kept those numbers."
)
"""Said when the caller's keypad entries add up to a card number (which is then withheld)."""
MAX_CALL_SECONDS = 900.0
NO_RESPONSE = "no-response"
"""The dialogue's hang-up reason after repeated silence."""
ENDINGS = {"callback-booked": "callback", "message-left": "message"}
"""Hang-up reasons whose call is recorded with an outcome of its own (not "contained")."""


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
        max_seconds: float = MAX_CALL_SECONDS,
        time_up: str = TIME_UP,
        watchdog: TurnWatchdog | None = None,
    ) -> None:
        self.call = call
        self.dialogue = dialogue
        self.listener = listener
        self.speaker = speaker
        self.handover = handover
        self.events = events
        self.apology = apology
        self.max_seconds = max_seconds
        self.time_up = time_up
        self.watchdog = watchdog or TurnWatchdog()
        self._speech_began = 0.0
        self._answers = 0
        """Caller turns handed to the dialogue (a call with none that times out is silent)."""
        self._inbox: asyncio.Queue[KeyEntry | _Stopped | Heard_] = asyncio.Queue()
        self._speaking: asyncio.Task[bool] | None = None
        self._speaking_interruptible = False
        self._timing: TurnTiming | None = None  # the last heard turn's, until its reply
        self._stopped: str | None = None
        self._barged = False
        self._speech_open = False
        self._keypad = Keypad(self._inbox.put_nowait)
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
        self._conversation = asyncio.create_task(self._converse_in_time(),
                                                 name=f"dialogue-{self.sid}")
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

    async def _converse_in_time(self) -> tuple[Outcome, str]:
        """The conversation, ended politely with a transfer if it runs past ``max_seconds``."""
        try:
            async with asyncio.timeout(self.max_seconds) as limit:
                return await self._converse()
        except TimeoutError:
            if not limit.expired():
                raise
        _LOGGER.info("call %s: reached the time limit (%.0f s)", self.sid, self.max_seconds)
        handover = Handover(team="general",
                            reason=f"call reached the time limit ({self.max_seconds:.0f} s)",
                            summary="The call reached the automated line's time limit")
        outcome = await self._transfer_after(self.time_up, handover, self._shown())
        return outcome, "abandoned" if outcome.kind == "hangup" else "transferred"

    def shut_down(self) -> None:
        """The drain limit: cancel the conversation; ``run`` then hands the caller over."""
        if self._conversation is None or self._conversation.done() or self._shutting_down:
            return
        self._shutting_down = True
        self._conversation.cancel()

    async def _converse(self) -> tuple[Outcome, str]:
        actions = await self.watchdog.reply(self.dialogue.start())
        while True:
            result = await self._perform(actions)
            if isinstance(result, tuple):
                return result
            if result is None or self._stopped is not None:
                if result is not None and asyncio.iscoroutine(result):
                    result.close()
                finished = self.dialogue.closing  # hung up at the satisfaction question
                return Outcome("hangup", reason="caller-hung-up"), (
                    "contained" if finished else "abandoned")
            actions = await self.watchdog.reply(result)

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
                silent = action.reason == NO_RESPONSE and self._answers == 0
                label = "silent" if silent else ENDINGS.get(action.reason, "contained")
                return Outcome("hangup", reason=action.reason), label
        return await self._listen(Listen())

    async def _hand_over(self, action: Handover) -> tuple[Outcome, str]:
        await self._finish_speaking()
        shown = self._shown()
        outcome = await self.handover(action, shown)
        self._emit(CallEventType.TRANSFER, team=action.team, reason=action.reason,
                   summary=action.summary, verified=shown.verified, slots=shown.slots,
                   emergency=action.emergency)
        await self.call.close()
        return outcome, "transferred"

    async def _say(self, action: Say) -> None:
        """Queue a sentence after the one being spoken; notices are waited for in full."""
        await self._finish_speaking()
        if self._barged:
            return
        self._speaking_interruptible = action.interruptible
        timing, self._timing = self._timing, None
        self._speaking = asyncio.create_task(self._spoken(action, timing))
        if not action.interruptible:
            await self._finish_speaking()

    async def _spoken(self, action: Say, timing: TurnTiming | None) -> bool:
        """Speak one sentence; the listener knows the bot's voice is on the line meanwhile
        (what comes back then may be its echo)."""
        self.listener.playback(True)
        try:
            return await self.speaker.say(action.text, action.interruptible, action.language,
                                          timing=timing)
        finally:
            self.listener.playback(False)

    async def _finish_speaking(self) -> None:
        task, self._speaking = self._speaking, None
        if task is not None:
            await settle(task)

    async def _listen(self, listen: Listen) -> Awaitable[list[Action]] | None:
        """Wait for an answer; the silence timer starts when the bot has finished speaking."""
        expect = listen.expect
        self._keypad.max_digits = expect.max_digits or 1
        self.listener.expect(hints_for(expect, self.dialogue.is_complete))
        while True:
            item = await self._next(listen.timeout)
            if isinstance(item, _Stopped):
                return None
            if isinstance(item, _Silence):
                self._emit(CallEventType.SILENCE, seconds=listen.timeout)
                return self.dialogue.silence()
            if isinstance(item, KeyEntry) and item.card:
                return await self._withhold_card()
            if isinstance(item, KeyEntry):
                self._answers += 1
                return self.dialogue.hear(CallerTurn(digits=item.digits))
            if isinstance(item, SpeechStarted):
                continue
            if isinstance(item, Broken):
                raise item.error
            self._timing = item.timing
            if isinstance(item, NotHeard):
                doubtful = item.transcript
                if doubtful is None or not self.dialogue.is_complete(doubtful.text):
                    return self.dialogue.not_heard()
                # Unsure words that still make a whole answer (a spelled postcode often
                # scores low): pass them on with their low confidence, so they get confirmed.
                text = doubtful
            else:
                text = item.transcript
            self._answers += 1
            return self.dialogue.hear(
                CallerTurn(
                    text=text.text, alternatives=text.alternatives, confidence=text.confidence
                )
            )

    async def _withhold_card(self) -> Awaitable[list[Action]]:
        """A card number keyed in: it goes nowhere; the caller is told, then asked again."""
        self._answers += 1
        self._emit(CallEventType.WITHHELD, what="card number", source="keypad")
        _LOGGER.warning("call %s: a card number was keyed in; withheld", self.sid)
        await self._say(Say(CARD_NOTICE, interruptible=False))
        return self.dialogue.hear(CallerTurn())

    async def _next(self, silence_after: float) -> KeyEntry | _Stopped | _Silence | Heard_:
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
                await settle(getter)
                continue
            try:
                return await asyncio.wait_for(self._inbox.get(), silence_after)
            except TimeoutError:
                if self._speech_open:  # the caller is mid-sentence: not silence, unless the
                    self.watchdog.overdue(self._speech_began, now())  # result never comes
                    continue
                return _Silence()

    async def _pump_carrier(self) -> None:
        """Carrier events -> listener audio, keypad entries, the end of the stream."""
        try:
            await self._carry()
        except Exception as err:  # the conversation must hear of it, or the call goes silent
            self._inbox.put_nowait(Broken(wrapped(err, "audio-in-failed")))

    async def _carry(self) -> None:
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
        self._emit(CallEventType.DIGITS, digit=Keypad.shown(digit))
        await self._barge_in()
        self._keypad.press(digit)

    async def _pump_listener(self) -> None:
        """Listener results -> barge-in and the session's inbox."""
        while True:
            try:
                item = await self.listener.next()
            except Exception as err:
                self._inbox.put_nowait(Broken(wrapped(err, "listener-failed")))
                return
            if isinstance(item, SpeechStarted):
                self._speech_open, self._speech_began = True, now()
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
        await settle(task)
        await self.call.clear()
        self._emit(CallEventType.BARGE_IN)

    async def _stop_speaking(self) -> None:
        task = self._speaking
        if task is not None and not task.done():
            task.cancel()
        elif task is not None and not task.cancelled():
            task.exception()  # it failed as the call ended: taken, so asyncio has no complaint

    async def _fail(self, err: Exception) -> tuple[Outcome, str]:
        """Apologise and hand over; used for any error, expected or not."""
        if isinstance(err, VoicebotError):
            _LOGGER.error("call %s: %s", self.sid, err)
            code, message = err.code, err.message
        else:
            _LOGGER.error("call %s: unexpected error", self.sid, exc_info=err)
            code, message = "internal-error", f"{type(err).__name__}: {err}"
        self._emit(CallEventType.ERROR, code=code, message=message)
        handover = Handover(team="general", reason=f"technical problem ({code})",
                            summary="The automated service had a problem during this call")
        outcome = await self._transfer_after(self.apology, handover, handing.UNVERIFIED)
        if outcome.kind == "hangup":
            outcome = Outcome("hangup", reason=f"error: {code}")
        return outcome, "error"

    async def _transfer_after(self, message: str, handover: Handover, shown: DialogueView
                              ) -> Outcome:
        """Say ``message`` and transfer; used when the conversation cannot go on normally.

        The handover sees the dialogue (without card pieces); the recorded transfer shows
        ``shown``, which after an error is nothing, since the state may be what broke."""
        await self._stop_speaking()
        if self._stopped is not None:
            return Outcome("hangup", reason="caller-hung-up")
        return await handing.pass_on(self, message, handover, self._shown(), shown)

    def _shown(self) -> ScrubbedView:
        return ScrubbedView(self.dialogue, self._keypad.ledger)

    async def _leave_for_shutdown(self) -> tuple[Outcome, str]:
        """The drain limit was reached: tell the caller and hand them to a person."""
        _LOGGER.warning("call %s: still in progress at the drain limit; handing over", self.sid)
        with contextlib.suppress(Exception):
            await self.call.clear()
        outcome = await self._transfer_after(handing.SHUTDOWN_NOTICE, handing.RESTART,
                                             self._shown())
        return outcome, "abandoned" if outcome.kind == "hangup" else "shutdown"
