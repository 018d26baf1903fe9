"""Settings in one place: a YAML file, then ``VOICEBOT_*`` environment variables on top.

Validated once at start-up so that a mistake stops the service with a clear message instead of
failing in the middle of a resident's call.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from voicebot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
"""The repository (or install) root that holds ``flows/``, ``seeds/`` and ``models/``."""


class ModelSettings(BaseModel):
    """Where the models live; empty paths mean the packaged defaults."""

    whisper_dir: Path | None = None
    """A faster-whisper (CTranslate2) model directory; default: Whisper base in models/."""
    asr: str | None = None
    """A remote recogniser speaking Wyoming (``tcp://gpu-host:10300``) instead of Whisper in
    this process; see docs/operations.md for what it keeps and loses."""
    piper_voice: Path | None = None
    """A Piper ``.onnx`` voice (its ``.onnx.json`` beside it); default: en_US-joe-medium."""
    vad_model: Path | None = None
    """A Silero VAD ``.onnx`` file; default: the one faster-whisper ships."""
    voices: dict[str, Path] = Field(default_factory=dict)
    """A Piper ``.onnx`` voice per language (``en: .../en_GB-alba-medium.onnx``,
    ``cy: .../cy_GB-gwryw_gogleddol-medium.onnx``); ``en`` here replaces ``piper_voice``."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    compute_type: str | None = None
    """CTranslate2 compute type; default int8 on CPU, float16 on CUDA."""


class TwilioSettings(BaseModel):
    """The carrier account; the token signs every webhook and media websocket."""

    auth_token: str | None = None
    verify_signatures: bool = True
    """Switching this off is for local development only and is logged loudly at start-up."""


class QueueSettings(BaseModel):
    """Where callers are handed over, and when someone is there to answer."""

    kind: Literal["number", "sip", "client", "queue"] = "queue"
    address: str = "council"
    hours: str = "Mon-Fri 09:00-17:00"
    """Opening hours as ``Mon-Fri 09:00-17:00; Sat 09:00-12:00``; ``always`` for 24/7."""


class EmergencySettings(QueueSettings):
    """A team's out-of-hours emergency line (homelessness tonight, a dangerous structure)."""

    hours: str = "always"


class TransferTargetSettings(QueueSettings):
    """Where one kind of call is handed over, and when someone is there to answer."""

    cy: QueueSettings | None = None
    """The team's Welsh-speaking agents (Welsh Language Standards): Welsh callers go here,
    with the same context. A team without one sends Welsh callers to ``general.cy``."""
    emergency: EmergencySettings | None = None
    """Where the emergencies the flows describe for this team go, at any hour (its own
    ``hours``, ``always`` unless set). Without one they go to the team when it is open."""


class ClosureDaySettings(BaseModel):
    """Days the council's teams are closed besides bank holidays (``to`` for a run of days)."""

    date: dt.date
    to: dt.date | None = None
    name: str = "a closure day"
    """How the bot names it: "Our council tax team is closed today for {name}"."""

    @model_validator(mode="after")
    def _in_order(self) -> ClosureDaySettings:
        if self.to is not None and self.to < self.date:
            raise ValueError(f"'to' ({self.to}) is before 'date' ({self.date})")
        return self


class CallbackSettings(BaseModel):
    """Call backs offered when a team is closed, or when too many callers are waiting."""

    offer_when_waiting: int | None = Field(default=None, ge=1)
    """Offer a call back (or holding) once this many transferred callers wait for a team in
    the agent desktop's queue; unset: only out of hours."""
    days_offered: int = Field(default=2, ge=1, le=5)
    """Call-back windows are offered on this many of the team's next open days."""


class CostSettings(BaseModel):
    """What the line costs, for the cost-per-transaction figure (the supervisor's page shows
    the arithmetic). Set them from the council's own accounts; the defaults are placeholders."""

    per_minute: float = Field(default=0.02, ge=0)
    """Cost of a minute on the line with the bot (carrier and hosting)."""
    per_transfer: float = Field(default=3.50, ge=0)
    """Cost of an agent handling a transferred call."""
    currency: str = Field(default="£", max_length=3)


class VerificationSettings(BaseModel):
    """Limits on guessing a caller's details (council tax checks); see docs/security.md."""

    max_failures_per_call: int = Field(default=2, ge=1)
    """Failed checks in one call before the caller is locked out and transferred."""
    max_failures_per_account: int = Field(default=3, ge=1)
    """Failed checks on one account, across calls, before it is locked for ``window_hours``."""
    window_hours: float = Field(default=24.0, gt=0)


class AgentAccount(BaseModel):
    """A person who may log in to the agent desktop; the password is stored as a bcrypt hash."""

    username: str
    password_hash: str
    role: Literal["agent", "supervisor"] = "agent"
    name: str = ""


class WebSettings(BaseModel):
    """How the web side meets the world: proxies, the browser phone, the API docs.

    See ``docs/security.md`` ("Web and API") for what each protects against.
    """

    trusted_proxies: list[str] = Field(default_factory=list)
    """Reverse proxies (addresses or networks, ``127.0.0.1``, ``10.0.0.0/8``) whose
    ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed; nobody else's are."""
    browser_phone: bool | None = None
    """The ``/phone`` test phone; unset means served only while the service is local-only."""
    browser_phone_calls: int = Field(default=2, ge=1)
    """Browser calls at once; more are turned away, so the page cannot starve phone calls."""
    api_docs: bool = False
    """Serve ``/docs`` and ``/openapi.json`` (they describe every route, so off by default)."""

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError as err:
                raise ValueError(f"{entry!r} is not an address or network") from err
        return value
class DrainSettings(BaseModel):
    """What a process does between SIGTERM and exit (see docs/operations.md)."""

    limit_seconds: float = Field(default=600.0, ge=0)
    """Calls still in progress this long after SIGTERM are handed to a person and recorded
    with the outcome ``shutdown``; keep the orchestrator's kill timeout above it."""
    linger_seconds: float = Field(default=60.0, ge=0)
    """After the last call, how long at most to keep answering the action and whisper URLs
    that Twilio has still to request for this process's calls (it exits as soon as it has)."""
    new_calls: str = "busy"
    """A new call while draining: ``busy`` (Twilio ``<Reject reason="busy">``), ``proxy``
    (HTTP 503, so nginx retries a sibling) or an https URL to ``<Redirect>`` the call to."""

    @field_validator("new_calls")
    @classmethod
    def _known_refusal(cls, value: str) -> str:
        if value in ("busy", "proxy") or value.startswith(("https://", "http://")):
            return value.rstrip("/")
        raise ValueError("must be busy, proxy or the URL of a sibling's voice webhook")


class TracingSettings(BaseModel):
    """OpenTelemetry traces; off unless an exporter is chosen (then ``voicebot[tracing]``)."""

    exporter: Literal["none", "otlp", "console"] = "none"
    endpoint: str | None = None
    """OTLP over HTTP, e.g. ``http://collector:4318/v1/traces``; default: the OTEL_* variables."""
    service_name: str = "voicebot"


class Settings(BaseSettings):
    """Everything the service needs to run; see ``docs/configuration.md``."""

    model_config = SettingsConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    public_url: str | None = None
    """``https://voicebot.example.gov.uk``; Twilio reaches the service there."""
    data_dir: Path = ROOT / "seeds"
    flows_dir: Path = ROOT / "flows"
    state_dir: Path = ROOT / "var"
    """Where the SQLite database lives."""
    database_url: str = ""
    """``postgresql://voicebot@db.internal/voicebot`` for several processes; default (empty):
    ``sqlite:///<state_dir>/voicebot.db``."""
    spool_dir: Path | None = None
    """Where call-record writes wait while the database is unavailable (locked for minutes,
    unreachable, its disk full), until it takes them again; default ``<state_dir>/spool``. Put
    it on a different disk from the database where you can."""
    database_pool_size: int = Field(8, ge=1, le=200)
    """PostgreSQL connections per process (the writer, web reads, desktop sessions)."""
    models_dir: Path = ROOT / "models"
    models: ModelSettings = ModelSettings()
    twilio: TwilioSettings = TwilioSettings()
    api_token: str | None = None
    """Bearer token for ``/api/*``; when unset the API answers only requests from loopback."""
    timezone: str = "Europe/London"
    transfer_targets: dict[str, TransferTargetSettings] = Field(
        default_factory=lambda: {"general": TransferTargetSettings()}
    )
    agents: list[AgentAccount] = Field(default_factory=list)
    session_secret: str | None = None
    """Unused by sessions since they are kept in the database; still accepted in settings."""
    retention_days: int = Field(90, ge=1)
    """Call records older than this are deleted."""
    store_audio: bool = False
    """No caller audio is stored unless a council explicitly turns this on."""
    verification: VerificationSettings = VerificationSettings()
    max_call_seconds: float = Field(default=900.0, ge=5)
    """A call still with the bot after this long hears a polite message and is transferred."""
    reply_limit_seconds: float = Field(default=10.0, ge=1, le=120)
    """A caller whose turn gets no reply from the bot this long after it ended (a fault: a
    lookup that hangs, a model that stopped) hears the apology and is transferred, and the call
    is recorded as a fault."""
    bank_holidays: Literal["england-and-wales", "scotland", "northern-ireland", "none"] = (
        "england-and-wales")
    """Whose bank holidays close the teams (``always`` lines stay open)."""
    closure_days: list[ClosureDaySettings] = Field(default_factory=list)
    """The council's own closure days (``{date: 2026-12-29, to: 2026-12-31, name: the
    Christmas closure}``)."""
    callbacks: CallbackSettings = CallbackSettings()
    costs: CostSettings = CostSettings()
    conversation_languages: list[str] = Field(default_factory=lambda: ["en"])
    """Languages the bot holds a whole call in. Add ``cy`` only with a Welsh voice in
    ``models.voices`` and once Whisper has been measured on Welsh callers (docs/benchmarks.md:
    not yet); until then a caller who chooses Welsh goes straight to the Welsh-speaking team."""
    asr_workers: int | None = None
    tts_workers: int | None = None
    asr_threads: int | None = None
    """CTranslate2 threads for one decode; default every core (docs/benchmarks.md, issue 11)."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    web: WebSettings = WebSettings()
    drain: DrainSettings = DrainSettings()
    tracing: TracingSettings = TracingSettings()

    @field_validator("public_url")
    @classmethod
    def _public_url_is_https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (Twilio only streams to wss://)")
        return value.rstrip("/") if value else value

    @field_validator("database_url")
    @classmethod
    def _database_url_is_known(cls, value: str) -> str:
        if value and not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @model_validator(mode="after")
    def _database_url_default(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.database}"
        return self

    @property
    def database(self) -> Path:
        return self.state_dir / "voicebot.db"

    @property
    def spool(self) -> Path:
        return self.spool_dir or self.state_dir / "spool"

    @property
    def twilio_token(self) -> str | None:
        """The auth token from settings, or Twilio's usual ``TWILIO_AUTH_TOKEN`` variable."""
        return self.twilio.auth_token or os.environ.get("TWILIO_AUTH_TOKEN")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)  # load_settings merges file and environment itself


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError("config-unreadable", f"cannot read {path}: {err.strerror}") from err
    except yaml.YAMLError as err:
        raise ConfigError("config-not-yaml", f"{path} is not valid YAML: {err}") from err
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError("config-not-mapping", f"{path} must hold a mapping of settings")
    return loaded


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Read the YAML file (``VOICEBOT_CONFIG`` when no path is given), then the environment.

    Environment variables win over the file (``VOICEBOT_TWILIO__AUTH_TOKEN`` sets
    ``twilio.auth_token``), and ``overrides`` (command-line flags) win over both.
    """
    config_path = path or (Path(p) if (p := os.environ.get("VOICEBOT_CONFIG")) else None)
    merged = _read_yaml(config_path) if config_path else {}
    _deep_merge(merged, _from_environment(os.environ))
    _deep_merge(merged, {k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**merged)
    except ValidationError as err:
        raise ConfigError("config-invalid", _describe(err, config_path)) from err


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith("VOICEBOT_") or name == "VOICEBOT_CONFIG":
            continue
        keys = name.removeprefix("VOICEBOT_").lower().split("__")
        value: Any = raw
        if raw[:1] in "[{":
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as err:
                raise ConfigError("config-invalid", f"{name} is not valid JSON: {err}") from err
        _deep_merge(values, _nest(keys, value))
    return values


def _nest(keys: list[str], value: Any) -> dict[str, Any]:
    for key in reversed(keys[1:]):
        value = {key: value}
    return {keys[0]: value}


def _deep_merge(into: dict[str, Any], other: Mapping[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        else:
            into[key] = value


def _describe(err: ValidationError, path: Path | None) -> str:
    where = f" in {path}" if path else ""
    lines = [
        f"{'.'.join(str(part) for part in e['loc']) or '(top)'}: {e['msg']}" for e in err.errors()
    ]
    return f"invalid settings{where}:\n  " + "\n  ".join(lines)
