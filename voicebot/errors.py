"""Errors voicebot raises, each with a stable ``code`` and a ``message`` a person can act on.

Hierarchy::

    VoicebotError
    ├── ConfigError        settings that cannot work (bad YAML, bad value, missing file)
    ├── ModelError         a model that cannot be assembled or loaded
    ├── FlowError          call flows that cannot be loaded
    │   ├── FlowSyntaxError    not YAML
    │   ├── FlowSchemaError    YAML of the wrong shape
    │   └── FlowCheckError     well-formed but meaningless (unknown step, unknown slot...)
    ├── SpeechError        a speech stage failed during a call
    │   ├── VadError
    │   ├── RecognitionError
    │   └── SynthesisError
    ├── DataError          council data that cannot be loaded or looked up
    ├── TransferError      a handover that cannot be made
    └── StorageError       the database refused a statement (a bug or bad data: not retried)
        ├── StorageUnavailable  locked, unreachable or full for now (retried with backoff)
        └── DuplicateKey        a row with that key is already there

Stage boundaries wrap foreign exceptions (``raise RecognitionError("asr-failed", ...) from err``)
so a call session can always apologise and transfer instead of dying.
"""

from __future__ import annotations


class VoicebotError(Exception):
    """Base of every error voicebot raises on purpose."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ConfigError(VoicebotError):
    """Settings that cannot work; raised at start-up, before anything is served."""


class ModelError(VoicebotError):
    """A model that cannot be assembled, found or loaded."""


class FlowError(VoicebotError):
    """Call flows that cannot be loaded; the last good set keeps serving."""


class FlowSyntaxError(FlowError):
    """A flow file that is not valid YAML."""


class FlowSchemaError(FlowError):
    """A flow file whose YAML does not have the shape of a flow."""


class FlowCheckError(FlowError):
    """A well-formed flow that refers to things that do not exist."""


class SpeechError(VoicebotError):
    """A speech stage failed during a call."""


class VadError(SpeechError):
    """Voice activity detection failed."""


class RecognitionError(SpeechError):
    """Speech recognition failed."""


class SynthesisError(SpeechError):
    """Speech synthesis failed."""


class DataError(VoicebotError):
    """Council data that cannot be loaded or looked up."""


class TransferError(VoicebotError):
    """A handover to an agent that cannot be made."""


class StorageError(VoicebotError):
    """The database refused a statement; retrying the same statement will not help."""


class StorageUnavailable(StorageError):
    """The database is locked, unreachable or full for now; the same write may succeed later."""


class DuplicateKey(StorageError):
    """A row with that key is already there."""
