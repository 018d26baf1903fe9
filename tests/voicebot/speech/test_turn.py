"""EndOfTurn with probabilities and seconds only: no audio needed."""

from voicebot.speech.turn import EndOfTurn, TurnOptions, TurnSignal

W = 0.032


def run(
    turn: EndOfTurn, probs: list[float], complete: bool = False
) -> list[tuple[int, TurnSignal]]:
    return [(i, s) for i, p in enumerate(probs) if (s := turn.step(p, W, complete)) is not None]


def test_a_click_is_not_speech() -> None:
    assert run(EndOfTurn(), [0.9, 0.9] + [0.1] * 12 + [0.9, 0.9] + [0.1] * 12) == []


def test_letters_spelled_with_short_gaps_add_up_to_speech() -> None:
    signals = run(EndOfTurn(), [0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.9, 0.9])
    assert signals == [(7, TurnSignal.STARTED)]


def test_speech_starts_after_minimum_voiced_time() -> None:
    signals = run(EndOfTurn(), [0.1] * 3 + [0.9] * 10)
    assert signals == [(7, TurnSignal.STARTED)]  # 5 windows of 32 ms >= 0.15 s


def test_turn_ends_after_the_normal_pause() -> None:
    turn = EndOfTurn()
    signals = run(turn, [0.9] * 20 + [0.05] * 40)
    ended = [i for i, s in signals if s is TurnSignal.ENDED]
    assert ended == [20 + 22 - 1]  # 22 windows = 0.7 s of pause


def test_a_complete_answer_ends_after_a_short_pause() -> None:
    turn = EndOfTurn()
    run(turn, [0.9] * 20)
    signals = run(turn, [0.05] * 40, complete=True)
    assert signals[0] == (9, TurnSignal.ENDED)  # 10 windows = 0.32 s >= 0.3 s


def test_a_mid_sentence_pause_does_not_end_the_turn() -> None:
    turn = EndOfTurn()
    signals = run(turn, [0.9] * 20 + [0.05] * 15 + [0.9] * 20 + [0.05] * 30)
    assert [s for _, s in signals] == [TurnSignal.STARTED, TurnSignal.ENDED]
    assert signals[1][0] == 20 + 15 + 20 + 22 - 1


def test_uncertain_windows_neither_extend_speech_nor_count_as_pause() -> None:
    turn = EndOfTurn()
    signals = run(turn, [0.9] * 10 + [0.4] * 100)
    assert [s for _, s in signals] == [TurnSignal.STARTED]


def test_a_caller_who_never_stops_is_capped() -> None:
    turn = EndOfTurn(TurnOptions(max_turn=2.0))
    signals = run(turn, [0.9] * 100)
    capped = [i for i, s in signals if s is TurnSignal.CAPPED]
    assert capped and abs((capped[0] + 1) * W - 2.0) < 0.05


def test_wants_partial_only_in_a_pause() -> None:
    turn = EndOfTurn()
    run(turn, [0.9] * 10)
    assert not turn.wants_partial
    run(turn, [0.05] * 5)
    assert turn.wants_partial


def test_long_sentences_are_spoken_in_clauses_short_ones_whole() -> None:
    from voicebot.speech.clauses import sentences

    long = ("Your next collections are: your garden bin on Thursday the 26th of November, "
            "and your refuse bin on Monday the 7th of December. Anything else?")
    assert sentences(long) == [
        "Your next collections are: your garden bin on Thursday the 26th of November,",
        "and your refuse bin on Monday the 7th of December.",
        "Anything else?",
    ]
    assert sentences("Thanks. What's the postcode?") == ["Thanks.", "What's the postcode?"]
