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
    signals = run(EndOfTurn(), [0.9, 0.9, 0.1, 0.1, 0.1, 0.9, 0.9])
    assert signals == [(6, TurnSignal.STARTED)]


def test_speech_starts_after_minimum_voiced_time() -> None:
    signals = run(EndOfTurn(), [0.1] * 3 + [0.9] * 10)
    assert signals == [(6, TurnSignal.STARTED)]  # 4 windows of 32 ms >= 0.12 s


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


def steps(turn: EndOfTurn, probs: list[float], **flags: bool) -> list[tuple[int, TurnSignal]]:
    return [(i, s) for i, p in enumerate(probs) if (s := turn.step(p, W, **flags)) is not None]


def test_doubtful_windows_count_half_when_loud() -> None:
    assert steps(EndOfTurn(), [0.4] * 30) == []
    assert steps(EndOfTurn(), [0.4] * 30, loud=True) == [(7, TurnSignal.STARTED)]


def test_faint_windows_count_a_quarter_and_only_when_loud() -> None:
    assert steps(EndOfTurn(), [0.2] * 40) == []
    assert steps(EndOfTurn(), [0.2] * 40, loud=True) == [(14, TurnSignal.STARTED)]
    assert steps(EndOfTurn(), [0.1] * 40, loud=True) == []


def test_after_a_sure_window_doubtful_ones_count_without_loudness() -> None:
    turn = EndOfTurn()
    assert steps(turn, [0.9] + [0.4] * 8) == [(6, TurnSignal.STARTED)]
    assert steps(EndOfTurn(), [0.4] * 9) == []


def test_onset_age_reaches_back_to_where_the_evidence_began() -> None:
    turn = EndOfTurn()
    signals = steps(turn, [0.05] * 10 + [0.4] * 6 + [0.9] * 5, loud=True)
    assert signals == [(16, TurnSignal.STARTED)]  # 6 x 0.5 + 1 window >= 0.12 s
    assert abs(turn.onset_age - 7 * W) < 1e-9


def test_a_value_being_spelled_out_gets_a_longer_pause() -> None:
    plain, spelling = EndOfTurn(), EndOfTurn()
    probs = [0.9] * 10 + [0.05] * 35 + [0.9] * 10 + [0.05] * 60
    assert [s for _, s in steps(plain, probs)] == [TurnSignal.STARTED, TurnSignal.ENDED,
                                                  TurnSignal.STARTED, TurnSignal.ENDED]
    signals = steps(spelling, probs, spelling=True)
    assert [s for _, s in signals] == [TurnSignal.STARTED, TurnSignal.ENDED]
    assert signals[1][0] == 10 + 35 + 10 + 50 - 1  # 50 windows = 1.6 s


def test_a_complete_answer_ends_soon_even_while_spelling() -> None:
    turn = EndOfTurn()
    steps(turn, [0.9] * 10)
    signals = steps(turn, [0.05] * 40, complete=True, spelling=True)
    assert signals[0] == (9, TurnSignal.ENDED)


def test_loud_faint_windows_in_a_turn_are_not_a_pause() -> None:
    turn = EndOfTurn()
    signals = steps(turn, [0.9] * 10 + [0.2] * 60, loud=True)
    assert [s for _, s in signals] == [TurnSignal.STARTED]
    assert turn.pause == 0.0 and turn.voice


def spelled(turn: EndOfTurn, windows: list[tuple[float, bool]]) -> list[tuple[int, TurnSignal]]:
    """(probability, loud) windows while a value is spelled out."""
    return [(i, s) for i, (p, loud) in enumerate(windows)
            if (s := turn.step(p, W, spelling=True, loud=loud)) is not None]


def test_a_spelled_piece_the_vad_barely_hears_ends_the_pause() -> None:
    """A slow "two" starts at 0.05-0.2 (measured): counted as pause, the 1.6 s ran out in its
    first windows and the rest of the postcode became a second turn."""
    before = [(0.9, True)] * 10 + [(0.01, False)] * 45  # "H X one", then 1.44 s of pause
    piece = [(0.05, True), (0.06, True), (0.2, True), (0.17, True), (0.2, False),
             (0.12, False), (0.15, True), (0.11, True)] + [(0.6, True)] * 15
    turn = EndOfTurn()
    signals = spelled(turn, before + piece + [(0.01, False)] * 60)
    assert [s for _, s in signals] == [TurnSignal.STARTED, TurnSignal.ENDED]
    assert signals[1][0] == len(before) + len(piece) + 50 - 1  # 1.6 s after "two P L"
    plain = EndOfTurn()
    signals = [(i, s) for i, (p, loud) in enumerate(before + piece)
               if (s := plain.step(p, W, loud=loud)) is not None]
    assert TurnSignal.ENDED in [s for _, s in signals]  # not spelling: the usual pause


def test_while_spelling_a_loud_window_the_vad_scores_as_silence_is_the_caller() -> None:
    turn = EndOfTurn()
    spelled(turn, [(0.9, True)] * 10 + [(0.01, False)] * 20)
    spelled(turn, [(0.01, True)] * 12)  # a slow "one": 0.01 at -19 dBFS (measured)
    assert turn.sounding and not turn.voice and turn.pause == 0.0


def test_a_long_loud_stretch_without_voice_is_the_line_not_a_letter() -> None:
    turn = EndOfTurn()
    signals = spelled(turn, [(0.9, True)] * 10 + [(0.01, True)] * 120)
    assert [s for _, s in signals] == [TurnSignal.STARTED, TurnSignal.ENDED]
    assert signals[1][0] == 10 + 31 + 50 - 1  # 1.0 s held, then 1.6 s of pause


def test_a_lone_word_before_a_pause_is_kept_with_the_turn_that_follows() -> None:
    turn = EndOfTurn()
    # "It's" (too short to start a turn), 0.8 s of pause, then "W F one"
    signals = steps(turn, [0.9] * 3 + [0.05] * 25 + [0.9] * 4)
    assert signals == [(31, TurnSignal.STARTED)]
    assert abs(turn.onset_age - 32 * W) < 1e-9
    late = EndOfTurn()
    steps(late, [0.9] * 3 + [0.05] * 60 + [0.9] * 4)  # 1.9 s later: a different thing
    assert abs(late.onset_age - 4 * W) < 1e-9


def test_words_that_read_as_a_finished_sentence_end_the_turn_sooner() -> None:
    options = TurnOptions()
    finished, unsure = EndOfTurn(options), EndOfTurn(options)
    for turn in (finished, unsure):
        for _ in range(10):
            turn.step(0.9, 0.032)
    ended = {}
    for name, turn, sentence in (("finished", finished, True), ("unsure", unsure, False)):
        steps = 0
        while turn.step(0.05, 0.032, sentence=sentence) is None:
            steps += 1
        ended[name] = steps * 0.032
    assert options.sentence_silence - 0.04 <= ended["finished"] <= options.sentence_silence
    assert ended["unsure"] >= options.end_silence - 0.04


def loud_steps(turn: EndOfTurn, probs: list[float], louds: list[bool]
               ) -> list[tuple[int, TurnSignal]]:
    return [(i, s) for i, (p, loud) in enumerate(zip(probs, louds, strict=True))
            if (s := turn.step(p, W, loud=loud)) is not None]


def test_a_loud_stretch_the_vad_doubts_is_reported_once_it_ends() -> None:
    """A fast "No." at 0.1-0.2 in every window never adds up to a turn; it is reported so
    the recogniser can be asked, with how long ago it began and ended."""
    turn = EndOfTurn()
    probs = [0.02] * 5 + [0.12, 0.2, 0.14, 0.1, 0.12, 0.1] + [0.02] * 20
    louds = [False] * 5 + [True] * 6 + [False] * 20
    assert loud_steps(turn, probs, louds) == [(20, TurnSignal.DOUBTFUL)]  # 10 quiet >= 0.3 s
    assert abs(turn.doubtful_age - 16 * W) < 1e-9
    assert abs(turn.doubtful_pause - 10 * W) < 1e-9


def test_no_doubt_about_quiet_windows_a_click_or_a_long_background() -> None:
    quiet = [0.2] * 6 + [0.02] * 20
    assert loud_steps(EndOfTurn(), quiet, [False] * 26) == []  # not above the line's floor
    click = [0.2] * 2 + [0.02] * 20
    assert loud_steps(EndOfTurn(), click, [True] * 2 + [False] * 20) == []  # under 0.09 s
    television = [0.1] * 80 + [0.02] * 20
    assert loud_steps(EndOfTurn(), television, [True] * 80 + [False] * 20) == []  # over 2 s
    tone = [0.01] * 10 + [0.01] * 20
    assert loud_steps(EndOfTurn(), tone, [True] * 10 + [False] * 20) == []  # no trace of voice


def test_a_loud_pitched_stretch_is_doubtful_though_the_vad_hears_nothing() -> None:
    """Silero scored a loud, quick "Yes." 0.02-0.12 in every window (a voice outside the
    corpus at -6 dBFS): its pitch is the trace of voice instead."""
    turn = EndOfTurn()
    probs, loud = [0.02] * 5 + [0.02] * 5 + [0.02] * 20, [False] * 5 + [True] * 5 + [False] * 20
    pitched = [False] * 5 + [True] * 4 + [False] * 21
    signals = [(i, s) for i, (p, lo, pi) in enumerate(zip(probs, loud, pitched, strict=True))
               if (s := turn.step(p, W, loud=lo, pitched=pi)) is not None]
    assert [s for _, s in signals] == [TurnSignal.DOUBTFUL]
    assert loud_steps(EndOfTurn(), probs, loud) == []  # no pitch, no trace: nothing


def test_a_doubtful_stretch_that_held_words_resumes_as_a_turn_in_its_pause() -> None:
    turn = EndOfTurn()
    turn.resume(age=0.8, pause=0.5)
    assert turn.speaking and abs(turn.pause - 0.5) < 1e-9 and abs(turn.voiced - 0.3) < 1e-9
    assert turn.step(0.02, W) is None  # the normal pause (0.7 s) is not over yet
    assert turn.step(0.02, W, complete=True) is TurnSignal.ENDED  # a whole answer: over


def test_a_doubtful_stretch_just_after_a_turn_is_its_tail_not_a_new_answer() -> None:
    turn = EndOfTurn()
    assert run(turn, [0.9] * 10 + [0.02] * 10, complete=True)[-1][1] is TurnSignal.ENDED
    tail = [0.2] * 6 + [0.02] * 10
    assert loud_steps(turn, tail, [True] * 6 + [False] * 10) == []  # began 0.03 s after
    later = [0.02] * 30 + [0.2] * 6 + [0.02] * 10
    signals = loud_steps(turn, later, [False] * 30 + [True] * 6 + [False] * 10)
    assert signals == [(45, TurnSignal.DOUBTFUL)]  # began over a second after
