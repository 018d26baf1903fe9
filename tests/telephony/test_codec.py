import numpy as np

from telephony.codec import pcm16_to_ulaw, ulaw_to_pcm16


def test_round_trip_keeps_a_tone_within_mu_law_error() -> None:
    tone = (np.sin(np.arange(1600) * 2 * np.pi * 440 / 8000) * 12000).astype("<i2")
    decoded = np.frombuffer(ulaw_to_pcm16(pcm16_to_ulaw(tone.tobytes())), dtype="<i2")
    error = np.abs(decoded.astype(np.int32) - tone.astype(np.int32))
    assert error.max() <= 12000 // 16 + 8


def test_known_codes() -> None:
    assert pcm16_to_ulaw(np.array([0], dtype="<i2").tobytes()) == b"\xff"
    assert ulaw_to_pcm16(b"\xff") == b"\x00\x00"
    assert np.frombuffer(ulaw_to_pcm16(b"\x00"), dtype="<i2")[0] == -32124
    assert np.frombuffer(ulaw_to_pcm16(b"\x80"), dtype="<i2")[0] == 32124


def test_one_byte_per_sample() -> None:
    assert len(pcm16_to_ulaw(b"\x00\x00" * 160)) == 160
    assert len(ulaw_to_pcm16(b"\xff" * 160)) == 320
