"""The speech stack: voice activity, end of turn, recognition, synthesis, and their models."""
