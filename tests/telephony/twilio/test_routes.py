"""The Twilio routes on loopback: signatures, bad input at the edge, drops, clear, status."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from fastapi import FastAPI
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from telephony.call import Outcome, TransferTarget
from telephony.events import AudioIn, DigitIn, MarkPlayed, StreamStopped
from telephony.twilio import messages
from telephony.twilio.caller import Keys, ScriptedCaller
from telephony.twilio.client import MediaStream, TwilioClient
from telephony.twilio.routes import TwilioOptions, make_router
from telephony.twilio.signature import SIGNATURE_HEADER, sign
from tests.conftest import serving
from tests.telephony.twilio.handlers import EchoBot, Recorder, tone, until

TOKEN = "test-auth-token"


class Service:
    def __init__(self, url: str, bot: EchoBot, recorder: Recorder, options: TwilioOptions):
        self.url, self.bot, self.recorder, self.options = url, bot, recorder, options


@pytest_asyncio.fixture(loop_scope="function")
async def service() -> AsyncIterator[Service]:
    bot, recorder = EchoBot(greeting_seconds=3.0), Recorder()
    options = TwilioOptions(auth_token=TOKEN)
    app = FastAPI()
    app.include_router(make_router(bot, recorder, options))
    async with serving(app) as url:
        yield Service(url, bot, recorder, options)


async def open_call(url: str) -> tuple[TwilioClient, MediaStream]:
    twilio = TwilioClient(url, TOKEN)
    answer = await twilio.ring()
    return twilio, await twilio.open_stream(answer.stream_url, answer.parameters)


# Signatures


@pytest.mark.parametrize("path", ["/twilio/voice", "/twilio/after", "/twilio/status",
                                  "/twilio/dial-done", "/twilio/whisper/CA1"])
@pytest.mark.parametrize("signature", [None, "d3Jvbmc=", "other-token"])
async def test_webhooks_refuse_a_wrong_or_missing_signature(
    service: Service, path: str, signature: str | None
) -> None:
    async with TwilioClient(service.url, TOKEN) as twilio:
        params = twilio.call_params()
        headers = {}
        if signature == "other-token":
            headers[SIGNATURE_HEADER] = sign("not-the-token", service.url + path, params)
        elif signature:
            headers[SIGNATURE_HEADER] = signature
        response = await twilio._http.post(service.url + path, data=params, headers=headers)
    assert response.status_code == 403
    assert service.recorder.ringing == [] and service.recorder.statuses == []
    assert service.options.stats["bad-signature"] == 1


async def test_signature_over_different_parameters_is_refused(service: Service) -> None:
    async with TwilioClient(service.url, TOKEN) as twilio:
        params = twilio.call_params()
        headers = {SIGNATURE_HEADER: sign(TOKEN, service.url + "/twilio/voice", params)}
        forged = {**params, "From": "+447700900999"}
        response = await twilio._http.post(service.url + "/twilio/voice", data=forged,
                                           headers=headers)
    assert response.status_code == 403


@pytest.mark.parametrize("headers", [{}, {SIGNATURE_HEADER: "d3Jvbmc="}, "http-url"])
async def test_media_handshake_refuses_a_bad_signature(service: Service, headers: object) -> None:
    async with TwilioClient(service.url, TOKEN) as twilio:
        ws_url = (await twilio.ring()).stream_url
    if headers == "http-url":  # signed over the https form of the URL: not what was requested
        headers = {SIGNATURE_HEADER: sign(TOKEN, ws_url.replace("ws://", "http://"))}
    with pytest.raises(InvalidStatus) as refused:
        await connect(ws_url, additional_headers=headers, proxy=None)  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
    assert service.bot.calls == []


async def test_forwarded_scheme_and_host_are_what_is_signed(service: Service) -> None:
    public = "https://voicebot.example.gov.uk"
    async with TwilioClient(service.url, TOKEN) as twilio:
        params = twilio.call_params()
        headers = {
            SIGNATURE_HEADER: sign(TOKEN, public + "/twilio/voice", params),
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "voicebot.example.gov.uk",
        }
        response = await twilio._http.post(service.url + "/twilio/voice", data=params,
                                           headers=headers)
    assert response.status_code == 200
    assert f'url="wss://voicebot.example.gov.uk/twilio/media/{twilio.call_sid}/' in response.text
    assert 'action="https://voicebot.example.gov.uk/twilio/after"' in response.text


async def test_public_url_setting_decides_the_urls() -> None:
    bot, recorder = EchoBot(greeting_seconds=0.2), Recorder()
    public = "https://calls.example.gov.uk"
    app = FastAPI()
    app.include_router(make_router(bot, recorder,
                                   TwilioOptions(auth_token=TOKEN, public_url=public)))
    async with serving(app) as url, TwilioClient(url, TOKEN, public_url=public) as twilio:
        report = await ScriptedCaller(twilio, quiet=0.3).run([Keys("9")])
    assert report.answer.stream_url.startswith(
        f"wss://calls.example.gov.uk/twilio/media/{twilio.call_sid}/")
    assert bot.calls == [twilio.call_sid] and "<Hangup" in report.outcome_twiml


async def test_checks_off_only_when_asked_and_then_loudly(caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    with pytest.raises(ValueError, match="auth token"):
        make_router(EchoBot(), Recorder(), TwilioOptions(auth_token=None))
    with caplog.at_level(logging.WARNING):
        make_router(EchoBot(), Recorder(), TwilioOptions(auth_token=None,
                                                         verify_signatures=False))
    assert "signature checks are OFF" in caplog.text


async def test_status_callback_reaches_the_observer(service: Service) -> None:
    async with TwilioClient(service.url, TOKEN) as twilio:
        response = await twilio.status("completed")
    assert response.status_code == 204
    assert service.recorder.statuses == [(twilio.call_sid, "completed")]


async def test_unknown_call_at_the_action_url_gets_the_fallback(service: Service) -> None:
    service.options.outcome_wait = 0.1
    async with TwilioClient(service.url, TOKEN) as twilio:
        twiml = await twilio.after(service.url + "/twilio/after")
    assert "<Hangup" in twiml


# Bad input on the media socket


BAD_INPUT = [
    ("{not json", "malformed-json"),
    ("[1, 2]", "malformed-json"),
    ('{"event": "bogus", "streamSid": "x"}', "unknown-event"),
    ('{"noevent": 1}', "unknown-event"),
    ("x" * 20_000, "oversized-message"),
]


async def test_bad_messages_are_dropped_and_counted_and_the_call_goes_on(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    twilio, stream = await open_call(service.url)
    sid = stream.stream_sid
    for text, _ in BAD_INPUT:
        await stream.send_raw(text)
    payload = messages.media_in(9, sid, 1, 0, "AAAA")
    payload["media"]["payload"] = "not base64!!"
    await stream.send(payload)
    payload["media"]["payload"] = ""
    await stream.send(payload)
    payload["media"]["payload"] = "A" * 4000
    await stream.send(payload)
    await stream.send(messages.media_in(9, "MZ-someone-else", 1, 0, "//8="))
    await stream.send({"event": "dtmf", "streamSid": sid, "dtmf": {"digit": "X"}})  # type: ignore
    await stream.socket.send(b"\x00\x01binary")
    await stream.send_audio(tone(0.02))
    await stream.send_dtmf("7")
    await until(lambda: service.bot.digits == ["7"])
    await stream.send_stop()
    await stream.close()
    await twilio.__aexit__()

    stats = service.options.stats
    for _, reason in BAD_INPUT:
        assert stats[reason] >= 1, reason
    assert stats["malformed-json"] == 2 and stats["unknown-event"] == 2
    for reason in ("bad-base64", "empty-frame", "oversized-frame", "wrong-stream", "bad-dtmf",
                   "binary-frame"):
        assert stats[reason] == 1, reason
    assert twilio.call_sid in caplog.text and "malformed-json" in caplog.text
    assert service.bot.stopped == {twilio.call_sid: "stop"}
    assert service.recorder.dropped == []


async def test_frames_after_stop_are_dropped(service: Service) -> None:
    twilio, stream = await open_call(service.url)
    await stream.send_stop()
    await stream.send_audio(tone(0.02))
    await stream.send_dtmf("1")
    await until(lambda: service.options.stats["after-stop"] == 2)
    await stream.close()
    await twilio.__aexit__()
    assert service.bot.digits == []
    assert [e for e in service.bot.seen if isinstance(e, StreamStopped)] == [
        StreamStopped("stop")
    ]


async def test_a_dropped_socket_is_recorded_and_other_calls_carry_on(service: Service) -> None:
    twilio_a, stream_a = await open_call(service.url)
    twilio_b, stream_b = await open_call(service.url)
    await asyncio.sleep(0.3)  # both greetings are mid-sentence (3 s long)
    stream_a.socket.transport.abort()  # gone without a stop or a close handshake

    await until(lambda: service.recorder.dropped != [])
    assert [sid for sid, _ in service.recorder.dropped] == [twilio_a.call_sid]
    assert "without stop" in service.recorder.dropped[0][1]
    assert service.bot.stopped[twilio_a.call_sid] == "dropped"
    assert service.options.stats["dropped-calls"] == 1

    await stream_b.send_dtmf("4")
    await until(lambda: "4" in service.bot.digits)
    received = 0
    async with asyncio.timeout(2):
        while received < 20:
            message = json.loads(await stream_b.socket.recv())
            received += message["event"] == "media"
    await stream_b.send_stop()
    await stream_b.close()
    for twilio in (twilio_a, twilio_b):
        await twilio.__aexit__()
    assert twilio_b.call_sid not in service.bot.stopped or (
        service.bot.stopped[twilio_b.call_sid] == "stop")


async def test_clear_stops_playback_and_resolves_pending_marks(service: Service) -> None:
    twilio, stream = await open_call(service.url)
    frames_before_clear = 0
    async with asyncio.timeout(3):
        while frames_before_clear < 10:
            frames_before_clear += json.loads(await stream.socket.recv())["event"] == "media"
    await stream.send_dtmf("#")
    events: list[dict[str, object]] = []
    async with asyncio.timeout(3):
        while not events or events[-1]["event"] != "clear":
            events.append(json.loads(await stream.socket.recv()))
    # The pacer keeps a small lead, so only a few frames can follow the 3 s greeting's start.
    media_sent = frames_before_clear + sum(e["event"] == "media" for e in events)
    assert media_sent < 3.0 / 0.02 / 2
    await until(lambda: any(isinstance(e, MarkPlayed) for e in service.bot.seen))
    assert MarkPlayed("greeting", cleared=True) in service.bot.seen
    await stream.send_mark("greeting")  # Twilio echoes cleared marks: ignored, not repeated
    await stream.send_stop()
    await stream.close()
    await twilio.__aexit__()
    await until(lambda: twilio.call_sid in service.bot.stopped)
    assert [e for e in service.bot.seen if isinstance(e, MarkPlayed)] == [
        MarkPlayed("greeting", cleared=True)]
    assert DigitIn("#") in service.bot.seen
    assert not any(isinstance(e, AudioIn) for e in service.bot.seen)


class BrokenRecords(Recorder):
    def call_ringing(self, call_sid: str, from_number: str, to_number: str) -> None:
        raise RuntimeError("database is locked")


async def test_a_failing_observer_or_handler_never_ends_the_call(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def crashes(call: object) -> Outcome:
        raise RuntimeError("conversation bug")

    fallback = Outcome("transfer", "error", TransferTarget("number", "+441130000001"))
    app = FastAPI()
    app.include_router(make_router(crashes, BrokenRecords(),
                                   TwilioOptions(auth_token=TOKEN, fallback=fallback)))
    async with serving(app) as url, TwilioClient(url, TOKEN) as twilio:
        report = await ScriptedCaller(twilio, quiet=0.2, reply_timeout=0.5).run([])
    assert "+441130000001" in report.outcome_twiml and report.ended_by == "bot"
    assert "observer call_ringing failed" in caplog.text
    assert "conversation failed" in caplog.text


async def test_a_get_webhook_is_signed_over_its_query(service: Service) -> None:
    url = f"{service.url}/twilio/voice?CallSid=CA7&From=%2B447700900123&To=%2B441134960000"
    async with TwilioClient(service.url, TOKEN) as twilio:
        good = await twilio._http.get(url, headers={SIGNATURE_HEADER: sign(TOKEN, url)})
        bad = await twilio._http.get(url.replace("CA7", "CA8"),
                                     headers={SIGNATURE_HEADER: sign(TOKEN, url)})
    assert good.status_code == 200 and "<Stream" in good.text
    assert bad.status_code == 403
    assert service.recorder.ringing == [("CA7", "+447700900123", "+441134960000")]
