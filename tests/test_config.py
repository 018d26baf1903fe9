import logging
from pathlib import Path

import pytest

from voicebot.config import load_settings
from voicebot.errors import ConfigError


def test_file_then_environment_then_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "voicebot.yaml"
    path.write_text("port: 7000\nhost: 0.0.0.0\ntwilio: {auth_token: abc}\n")
    monkeypatch.setenv("VOICEBOT_PORT", "7100")
    monkeypatch.setenv("VOICEBOT_TWILIO__VERIFY_SIGNATURES", "false")
    settings = load_settings(path, host="127.0.0.2")
    assert settings.port == 7100
    assert settings.host == "127.0.0.2"
    assert settings.twilio.auth_token == "abc"
    assert settings.twilio.verify_signatures is False


def test_twilio_token_falls_back_to_twilio_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "from-env")
    assert load_settings().twilio_token == "from-env"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("port: [1", "not valid YAML"),
        ("- a\n- b\n", "must hold a mapping"),
        ("port: 99999\n", "port: Input should be less than or equal to 65535"),
        ("prot: 80\n", "prot: Extra inputs are not permitted"),
        ("public_url: ftp://x\n", "public_url: Value error, must start with https://"),
    ],
)
def test_bad_settings_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert message in caught.value.message


def test_json_in_environment_for_structured_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "VOICEBOT_TRANSFER_TARGETS", '{"bins": {"kind": "number", "address": "+441130000000"}}'
    )
    assert load_settings().transfer_targets["bins"].address == "+441130000000"


def test_log_level_setting_sets_the_logging_level(monkeypatch: pytest.MonkeyPatch) -> None:
    from voicebot import cli

    monkeypatch.setenv("VOICEBOT_LOG_LEVEL", "warning")
    assert cli._configured_level() == logging.WARNING
    monkeypatch.setenv("VOICEBOT_LOG_LEVEL", "DEBUG")
    assert cli._configured_level() == logging.DEBUG
    monkeypatch.setenv("VOICEBOT_LOG_LEVEL", "LOUD")  # not a level: a clear error, INFO meanwhile
    assert cli._configured_level() == logging.INFO
    with pytest.raises(ConfigError, match="log_level"):
        load_settings()
