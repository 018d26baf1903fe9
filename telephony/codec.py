"""G.711 mu-law <-> PCM16, table-driven so each 20 ms frame costs two numpy lookups."""

from __future__ import annotations

import numpy as np

_BIAS = 0x84
_CLIP = 32635


def _decode_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = ((mantissa << 3) + _BIAS) << exponent
    sample = magnitude - _BIAS
    decoded: np.ndarray = np.where(sign != 0, -sample, sample).astype(np.int16)
    return decoded


def _encode_table() -> np.ndarray:
    samples = np.arange(-32768, 32768, dtype=np.int32)
    sign = np.where(samples < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(samples), _CLIP) + _BIAS
    exponent = np.floor(np.log2(magnitude)).astype(np.int32) - 7
    exponent = np.clip(exponent, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    encoded: np.ndarray = (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)
    return encoded


_DECODE = _decode_table()
_ENCODE = _encode_table()


def ulaw_to_pcm16(data: bytes) -> bytes:
    """Decode mu-law bytes to PCM16 little-endian."""
    return _DECODE[np.frombuffer(data, dtype=np.uint8)].astype("<i2").tobytes()


def pcm16_to_ulaw(data: bytes) -> bytes:
    """Encode PCM16 little-endian to mu-law bytes (an odd trailing byte is dropped)."""
    usable = len(data) - len(data) % 2
    samples = np.frombuffer(data[:usable], dtype="<i2").astype(np.int32)
    return _ENCODE[samples + 32768].tobytes()
