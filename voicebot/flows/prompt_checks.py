"""Checks on what the bot says: recordings named as they should be, and a text in every
language the line offers.

A missing Welsh text is a problem like any other once Welsh is offered: the Welsh Language
Standards ask that a Welsh caller is not served less well, and a prompt without Welsh would be
spoken in English in the middle of a Welsh call. Whether the files exist and are good audio is
the speech side's check (``voicebot.speech.recordings``), run on the same set.
"""

from __future__ import annotations

from voicebot.flows.loader import LoadedMain, Problem
from voicebot.flows.prompts import PromptPlace, audio_files, recorded_parts, wordings
from voicebot.flows.schema import DEFAULT_LANGUAGE

LANGUAGE_NAMES = {"en": "English", "cy": "Welsh"}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def prompt_problems(found: list[PromptPlace], main: LoadedMain | None) -> list[Problem]:
    """Every problem with the prompts' recordings and languages, in file order."""
    problems = [p for place in found for p in _audio_parts(place)]
    offered = sorted(main.spec.languages) if main is not None else []
    problems += [p for place in found for p in _languages(place, offered)]
    if main is not None and offered:
        problems += _language_line(main, offered)
    return problems


def _audio_parts(place: PromptPlace) -> list[Problem]:
    """One file per recorded part: a prompt with placeholders is recorded in pieces."""
    problems = []
    for language, wording in wordings(place.prompt).items():
        files = audio_files(wording)
        parts = recorded_parts(wording.text)
        if not files or len(files) == len(parts):
            continue
        keys = (*place.language_keys(language), "audio")
        shown = "; ".join(f"'{part}'" for part in parts) or "none"
        message = (f"{place.name} has {len(parts)} part(s) to record ({shown}) but names "
                   f"{len(files)} file(s); give one file per part, in order (the "
                   "{placeholders} between them are synthesised)")
        problems.append(place.where.at(*keys, message=message))
    return problems


def _languages(place: PromptPlace, offered: list[str]) -> list[Problem]:
    have = wordings(place.prompt)
    wanted = [DEFAULT_LANGUAGE, *offered] if isinstance(place.prompt, dict) else offered
    return [place.where.at_key(*place.keys, message=(
        f"{place.name} has no {language_name(code)} text; write it as "
        f"{{{DEFAULT_LANGUAGE}: ..., {code}: ...}}"
        + (f" ({language_name(code)} is offered under 'languages' in main.yaml)"
           if code != DEFAULT_LANGUAGE else "")))
        for code in wanted if code not in have]


def _language_line(main: LoadedMain, offered: list[str]) -> list[Problem]:
    """What a line offering another language needs besides the texts."""
    problems = []
    if main.spec.prompts.language_unavailable is None:
        problems.append(main.where.at_key("languages", message=(
            "prompts.language_unavailable is needed when 'languages' offers "
            f"{', '.join(language_name(c) for c in offered)}: it is said when no one who "
            "speaks the caller's language is there")))
    keys: dict[str, str] = {}
    for code, choice in main.spec.languages.items():
        if choice.keypad in keys:
            problems.append(main.where.at("languages", code, "keypad", message=(
                f"key {choice.keypad} already chooses {language_name(keys[choice.keypad])}")))
        keys[choice.keypad] = code
    for team, name in main.spec.teams.items():
        missing = [c for c in offered if not isinstance(name, dict) or c not in name]
        problems += [main.where.at("teams", team, message=(
            f"team '{team}' has no {language_name(c)} name; write it as "
            f"{{en: ..., {c}: ...}}")) for c in missing]
    return problems
