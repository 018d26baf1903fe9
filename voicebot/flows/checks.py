"""Meaning checks: well-formed flows that refer to things that do not exist.

One function per rule, each returning problems with a place and a hint, so staff see every
mistake at once: unknown step in ``next``, ``if`` without ``else``, unreachable steps, unknown
slot in a template or condition, unknown action, duplicate step id, transfer to no team, an
intent named like a global request, an out-of-scope example that a flow serves, a call-wide
patience that leaves no room for clarifying.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

from voicebot.flows.conditions import ConditionError, names
from voicebot.flows.loader import LoadedFlow, LoadedMain, Problem
from voicebot.flows.prompts import all_texts
from voicebot.flows.schema import (
    AFTER_HOURS,
    AFTER_HOURS_ACTIONS,
    AFTER_HOURS_ENTRIES,
    GLOBAL_INTENTS,
    OUT_OF_SCOPE,
    SPECIAL_TARGETS,
    AskStep,
    Branch,
    EndStep,
    LookupStep,
    Otherwise,
    SayStep,
    TransferStep,
)
from voicebot.flows.templates import FORMATS, PLACEHOLDER, names_in

BUILT_IN = {"verified", "caller"}
AFTER_HOURS_BUILT_IN = {"team"}
"""Names only the after-hours flow has: the team the caller could not be put through to."""


def _hint(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), 1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def duplicate_ids(flow: LoadedFlow, **_: object) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for index, step in enumerate(flow.steps):
        if step.id and step.id in seen:
            problems.append(flow.where.at("steps", index, "id",
                                          message=f"step id '{step.id}' is used twice"))
        if step.id:
            seen.add(step.id)
    return problems


def _targets(flow: LoadedFlow) -> Iterable[tuple[int, str, tuple[str | int, ...]]]:
    for index, step in enumerate(flow.steps):
        if isinstance(step.next, str):
            yield index, step.next, ("steps", index, "next")
        elif isinstance(step.next, list):
            for n, branch in enumerate(step.next):
                target = branch.then if isinstance(branch, Branch) else branch.else_
                yield index, target, ("steps", index, "next", n)
        if isinstance(step, AskStep) and step.on_fail:
            yield index, step.on_fail, ("steps", index, "on_fail")
    for name, intent in flow.spec.intents.items():
        if intent.start:
            yield -1, intent.start, ("intents", name, "start")


def unresolved_next(flow: LoadedFlow, **_: object) -> list[Problem]:
    known = set(flow.ids) | set(SPECIAL_TARGETS)
    return [flow.where.at(*path, message=f"no step with id '{target}'{_hint(target, known)}")
            for _, target, path in _targets(flow) if target not in known]


def if_without_else(flow: LoadedFlow, **_: object) -> list[Problem]:
    problems = []
    for index, step in enumerate(flow.steps):
        if isinstance(step.next, list) and (
            not step.next or not isinstance(step.next[-1], Otherwise)
        ):
            problems.append(flow.where.at("steps", index, "next", message=(
                "a list of 'if' branches must end with '- else: <step id>' so every case "
                "has somewhere to go")))
    return problems


def unreachable_steps(flow: LoadedFlow, **_: object) -> list[Problem]:
    reached: set[int] = set()
    starts = {0} | {flow.ids[i.start] for i in flow.spec.intents.values()
                    if i.start in flow.ids}
    if flow.spec.flow == AFTER_HOURS:  # the bot comes in at these by itself
        starts |= {flow.ids[e] for e in AFTER_HOURS_ENTRIES if e in flow.ids}
    todo = list(starts)
    while todo:
        index = todo.pop()
        if index in reached or index >= len(flow.steps):
            continue
        reached.add(index)
        step = flow.steps[index]
        targets = [t for i, t, _ in _targets(flow) if i == index]
        todo.extend(flow.ids[t] for t in targets if t in flow.ids)
        if step.next is None and not isinstance(step, TransferStep | EndStep):
            todo.append(index + 1)  # falls through to the step below
    return [flow.where.at("steps", i, message=(
        f"step {flow.steps[i].id or i + 1} can never be reached (give it an id and point a "
        "'next' at it, or remove it)")) for i in range(len(flow.steps)) if i not in reached]


def unknown_names(flow: LoadedFlow, **_: object) -> list[Problem]:
    known = set(flow.spec.slots) | {s.into for s in flow.steps if isinstance(s, LookupStep)}
    known |= BUILT_IN | (AFTER_HOURS_BUILT_IN if flow.spec.flow == AFTER_HOURS else set())
    problems = []
    for index, step in enumerate(flow.steps):
        texts: list[tuple[str, str]] = []
        if isinstance(step, SayStep):
            texts += [("say", t) for t in all_texts(step.say)]
        if isinstance(step, AskStep):
            texts += [(k, t) for k in ("prompt", "reprompt", "confirm_prompt", "invalid")
                      for t in all_texts(getattr(step, k))]
            if step.ask not in flow.spec.slots:
                problems.append(flow.where.at("steps", index, "ask", message=(
                    f"unknown slot '{step.ask}'{_hint(step.ask, flow.spec.slots)}; declare it "
                    "under 'slots:'")))
        if isinstance(step, TransferStep):
            texts += [("summary", step.summary), ("reason", step.reason)]
        if isinstance(step, TransferStep) and step.say_before:
            texts += [("say_before", t) for t in all_texts(step.say_before)]
        if isinstance(step, EndStep):
            texts += [("end", t) for t in all_texts(step.end)]
        for key, text in texts:
            for name, form in names_in(text):
                if name not in known:
                    problems.append(flow.where.at("steps", index, key, message=(
                        f"unknown slot '{name}' in {key}{_hint(name, known)}")))
                if form and form not in FORMATS:
                    problems.append(flow.where.at("steps", index, key, message=(
                        f"unknown format ':{form}' (use one of {', '.join(FORMATS)})")))
            if "{" in PLACEHOLDER.sub("", text):
                problems.append(flow.where.at("steps", index, key, message=(
                    "a '{' that is not a placeholder like {postcode} or {result.field}")))
        if isinstance(step.next, list):
            for n, branch in enumerate(step.next):
                if isinstance(branch, Branch):
                    try:
                        used = names(branch.if_)
                    except ConditionError as err:
                        problems.append(flow.where.at("steps", index, "next", n,
                                                      message=str(err)))
                        continue
                    problems += [flow.where.at("steps", index, "next", n, message=(
                        f"unknown name '{u}' in condition{_hint(u, known)}"))
                        for u in used if u not in known]
    return problems


def unknown_actions(flow: LoadedFlow, actions: Iterable[str] = (), **_: object) -> list[Problem]:
    known = list(actions) + (list(AFTER_HOURS_ACTIONS) if flow.spec.flow == AFTER_HOURS else [])
    return [flow.where.at("steps", i, message=(
        f"unknown action '{s.lookup}'{_hint(s.lookup, known)} (known: {', '.join(known)})"))
        for i, s in enumerate(flow.steps) if isinstance(s, LookupStep) and s.lookup not in known]


def after_hours_entries(flow: LoadedFlow, **_: object) -> list[Problem]:
    """The bot enters the after-hours flow at fixed steps; each must be there."""
    if flow.spec.flow != AFTER_HOURS:
        return []
    return [flow.where.at("flow", message=(
        f"the after-hours flow needs a step with id '{entry}' (where the bot comes in: "
        "'offer' the first time a caller cannot be put through, 'person_again' when they ask "
        "for a person again, 'last_resort' after that)"))
        for entry in AFTER_HOURS_ENTRIES if entry not in flow.ids]


def window_slots(flow: LoadedFlow, **_: object) -> list[Problem]:
    """A call-back time picks from the windows the after-hours flow's team offers."""
    return [flow.where.at("slots", name, message=(
        f"window slot '{name}' belongs in the after-hours flow, with 'at: team'"))
        for name, slot in flow.spec.slots.items() if slot.type == "window" and (
            flow.spec.flow != AFTER_HOURS or slot.at != "team")]


def unknown_teams(flow: LoadedFlow, teams: Iterable[str] = (), **_: object) -> list[Problem]:
    known = list(teams)
    return [flow.where.at("steps", i, "transfer", message=(
        f"no team '{s.transfer}' is configured{_hint(s.transfer, known)} (teams: "
        f"{', '.join(known)})")) for i, s in enumerate(flow.steps)
        if isinstance(s, TransferStep) and known and s.transfer not in known]


def address_slots(flow: LoadedFlow, **_: object) -> list[Problem]:
    return [flow.where.at("slots", name, message=(
        f"address slot '{name}' needs 'at: <postcode slot>'")) for name, slot in
        flow.spec.slots.items() if slot.type == "address" and (
            slot.at is None or slot.at not in flow.spec.slots)]


def reserved_intents(flow: LoadedFlow, **_: object) -> list[Problem]:
    reserved = {OUT_OF_SCOPE, *GLOBAL_INTENTS}
    return [flow.where.at_key("intents", name, message=(
        f"'{name}' is a name main.yaml uses for requests that work anywhere; give this intent "
        "another name")) for name in flow.spec.intents if name in reserved]


def out_of_scope_overlap(main: LoadedMain, flows: list[LoadedFlow]) -> list[Problem]:
    """An example can't be both served by a flow and "not served on this line"."""
    if main.spec.out_of_scope is None:
        return []
    served = {" ".join(example.lower().split()): (flow.file.name, name) for flow in flows
              for name, intent in flow.spec.intents.items() for example in intent.examples}
    problems = []
    for index, example in enumerate(main.spec.out_of_scope.examples):
        found = served.get(" ".join(example.lower().split()))
        if found is not None:
            problems.append(main.where.at("out_of_scope", "examples", index, message=(
                f"'{example}' is also an example of intent '{found[1]}' in {found[0]}; remove "
                "it from one of them")))
    return problems


def patience(main: LoadedMain) -> list[Problem]:
    """The call-wide limit must leave room for the per-request clarifying and menu turns."""
    limits = main.spec.not_understood
    needed = limits.clarify + limits.menu + 1
    if limits.per_call >= needed:
        return []
    return [main.where.at("not_understood", "per_call", message=(
        f"per_call {limits.per_call} is reached before the caller has been asked to clarify "
        f"({limits.clarify}) and offered the menu ({limits.menu}); make it at least {needed}"))]


RULES: list[Callable[..., list[Problem]]] = [
    duplicate_ids, unresolved_next, if_without_else, unreachable_steps, unknown_names,
    unknown_actions, unknown_teams, address_slots, reserved_intents, after_hours_entries,
    window_slots,
]


def check(flows: list[LoadedFlow], main: LoadedMain | None, actions: Iterable[str],
          teams: Iterable[str]) -> list[Problem]:
    """Every meaning problem in the set, in file order."""
    problems: list[Problem] = []
    action_names = list(actions)
    team_names = sorted(set(teams) | set(main.spec.teams if main else ()))
    intents: dict[str, LoadedFlow] = {}
    for flow in flows:
        for rule in RULES:
            problems += rule(flow, actions=action_names, teams=team_names)
        for name in flow.spec.intents:
            if name in intents:
                problems.append(flow.where.at("intents", name, message=(
                    f"intent '{name}' is also defined in {intents[name].file.name}")))
            intents[name] = flow
    if main is not None:
        problems += out_of_scope_overlap(main, flows) + patience(main)
    if main is None and flows:
        problems.append(Problem(flows[0].file.parent / "main.yaml", 1, 1,
                                "main.yaml (greeting, global intents, prompts) is missing"))
    return problems
