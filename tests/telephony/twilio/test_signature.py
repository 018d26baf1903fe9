"""Which URL is signed, and the check itself, against the twilio package's own signer."""

from __future__ import annotations

from starlette.datastructures import URL, Headers
from twilio.request_validator import RequestValidator

from telephony.twilio import signature
from telephony.twilio.signature import SIGNATURE_HEADER

LOCAL = URL("http://10.0.0.5:8080/twilio/voice?x=1")


def test_url_from_the_request() -> None:
    headers = Headers({"host": "10.0.0.5:8080"})
    assert signature.signed_url(LOCAL, headers, None, websocket=False) == (
        "http://10.0.0.5:8080/twilio/voice?x=1")


def test_url_from_forwarded_headers() -> None:
    headers = Headers({"host": "10.0.0.5:8080", "x-forwarded-proto": "https, http",
                       "x-forwarded-host": "bot.example.gov.uk"})
    assert signature.signed_url(LOCAL, headers, None, websocket=False) == (
        "https://bot.example.gov.uk/twilio/voice?x=1")
    ws = URL("ws://10.0.0.5:8080/twilio/media")
    assert signature.signed_url(ws, headers, None, websocket=True) == (
        "wss://bot.example.gov.uk/twilio/media")


def test_public_url_wins() -> None:
    headers = Headers({"host": "evil.example", "x-forwarded-host": "evil.example"})
    assert signature.signed_url(LOCAL, headers, "https://bot.example.gov.uk/", websocket=True
                                ) == "wss://bot.example.gov.uk/twilio/voice?x=1"


def test_is_valid_matches_twilio_signing() -> None:
    validator = RequestValidator("token")
    url, params = "https://bot.example/twilio/voice", {"CallSid": "CA1", "From": "+44"}
    good = Headers({SIGNATURE_HEADER: signature.sign("token", url, params)})
    assert signature.is_valid(validator, url, params, good)
    assert not signature.is_valid(validator, url, {**params, "From": "+1"}, good)
    assert not signature.is_valid(validator, url + "x", params, good)
    assert not signature.is_valid(validator, url, params, Headers({}))
    sha256 = Headers({
        SIGNATURE_HEADER: validator.compute_signature(url, params, "HMAC_SHA256"),
        signature.SETTINGS_HEADER: "key=k1,algorithm=HMAC_SHA256",
    })
    assert signature.is_valid(validator, url, params, sha256)
