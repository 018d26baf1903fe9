"""TwiML documents the service answers with, built with the ``twilio`` package's builder.

The builder escapes every value, so caller-supplied numbers and reasons cannot break the XML.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from twilio.twiml.voice_response import VoiceResponse

from telephony.call import Outcome

FAILED_DIAL_STATUSES = frozenset({"busy", "no-answer", "failed", "canceled"})


def connect_stream(stream_url: str, action_url: str, parameters: Mapping[str, str]) -> str:
    """Bidirectional stream to ``stream_url``; Twilio asks ``action_url`` when it ends."""
    if "?" in stream_url:
        raise ValueError("Twilio drops query strings from stream URLs; use parameters")
    response = VoiceResponse()
    stream = response.connect(action=action_url, method="POST").stream(url=stream_url)
    for name, value in parameters.items():
        stream.parameter(name=name, value=value)
    return str(response)


def reject_busy() -> str:
    """Refuse a call before it is answered: the caller hears a busy tone and is not charged."""
    response = VoiceResponse()
    response.reject(reason="busy")
    return str(response)


def redirect(url: str) -> str:
    """Hand the call's TwiML to another service; Twilio POSTs the webhook there, signed."""
    response = VoiceResponse()
    response.redirect(url, method="POST")
    return str(response)


def for_outcome(
    outcome: Outcome,
    call_sid: str,
    *,
    whisper_twiml_url: str | None = None,
    dial_action_url: str | None = None,
) -> str:
    """What Twilio does once the bot is done: hang up, dial an agent, or enqueue.

    ``whisper_twiml_url`` (when the outcome has a whisper) is given to the dialled party's noun
    so the agent hears it before being connected; queues get the context as a TaskRouter task.
    """
    response = VoiceResponse()
    target = outcome.target
    if outcome.kind == "hangup" or target is None:
        response.hangup()
        return str(response)
    if target.kind == "queue":
        if target.address.startswith("WW"):
            enqueue = response.enqueue(workflow_sid=target.address)
            enqueue.task(task_json(outcome, call_sid))
        else:
            response.enqueue(target.address)
        return str(response)
    dial = response.dial(answer_on_bridge=True, action=dial_action_url, method="POST")
    url = whisper_twiml_url if outcome.whisper_url else None
    if target.kind == "number":
        dial.number(target.address, url=url)
    elif target.kind == "sip":
        dial.sip(target.address, url=url)
    else:
        dial.client(target.address, url=url)
    return str(response)


def task_json(outcome: Outcome, call_sid: str) -> str:
    """The TaskRouter task attributes: why the caller was handed over and what is known."""
    attributes = {**outcome.context, "reason": outcome.reason, "call_sid": call_sid}
    return json.dumps(attributes, default=str, sort_keys=True)


def play(url: str | None) -> str:
    """Plays ``url`` (the whisper), or nothing, to whoever requested it."""
    response = VoiceResponse()
    if url:
        response.play(url)
    return str(response)


def after_dial(status: str, apology: str) -> str:
    """When the agent could not be reached, say so rather than dropping the caller."""
    response = VoiceResponse()
    if status in FAILED_DIAL_STATUSES:
        response.say(apology, language="en-GB")
    response.hangup()
    return str(response)
