"""Offline commands behind ``voicebot``: chat, the call simulator, agent passwords."""
