"""Passing a caller to a person: teams, their opening hours, and the outcome the carrier acts on."""

from voicebot.handoff.hours import OpeningHours, spoken_opening
from voicebot.handoff.transfer import WHISPER_ROUTE, Handoff, synthesize_with

__all__ = ["WHISPER_ROUTE", "Handoff", "OpeningHours", "spoken_opening", "synthesize_with"]
