"""Carrier side: adapters that carry a phone call's audio and know nothing of conversations.

voicebot talks to every carrier through the ``Call`` port in ``telephony.call``.
"""

from telephony.call import Call, CallHandler, CallInfo, CallObserver, Outcome, TransferTarget
from telephony.events import AudioIn, DigitIn, InboundEvent, MarkPlayed, StreamStopped

__all__ = [
    "AudioIn",
    "Call",
    "CallHandler",
    "CallInfo",
    "CallObserver",
    "DigitIn",
    "InboundEvent",
    "MarkPlayed",
    "Outcome",
    "StreamStopped",
    "TransferTarget",
]
