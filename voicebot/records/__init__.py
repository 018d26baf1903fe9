"""Call records: SQLite storage of every call, the records API's data, and the agent queue."""

from voicebot.privacy import mask_number
from voicebot.records.follow_ups import FollowUps
from voicebot.records.handoffs import ClaimError, CloseOutcome, HandoffQueue
from voicebot.records.store import CallRecords

__all__ = ["CallRecords", "ClaimError", "CloseOutcome", "FollowUps", "HandoffQueue",
           "mask_number"]
