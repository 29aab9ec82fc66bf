"""The buzzer player on gpiozero's mock pins: non-blocking, fast, patterns audible on the pin.

Times are real (the player runs a thread), so tolerances are a few ms and the
patterns played at once on separate pins, to keep the file fast. Real times
need a quiet machine: every test here is marked `timing`, and runs alone; a
measurement that fails while the machine was waking threads later than the
tolerance is taken again (support/wakeups.py), one on an on-time machine fails.
Not for the call latencies (play() within 5 ms): the probe thread itself adds
up to 2 ms to a thread's start (200 first plays: p99 2.0 ms alone, 4.0 ms with it).
"""
from __future__ import annotations

import threading
import time

import pytest
from gpiozero.pins.mock import MockFactory, MockPin, MockPWMPin

from device.core.patterns import DEFAULT_PATTERNS, Pattern
from drivers.buzzer import BuzzerPlayer
from support.wakeups import measured
from support.waiting import wait_until

TOL_S = 0.015  # scheduling slack of a loaded CI machine
PIN = 18
pytestmark = pytest.mark.timing


@pytest.fixture
def pwm_factory():
    """TonalBuzzer needs PWM pins; the factory is reset after each test."""
    factory = MockFactory(pin_class=MockPWMPin)
    yield factory
    factory.reset()


@pytest.fixture
def plain_factory():
    """An active buzzer is plain on/off: no PWM."""
    factory = MockFactory(pin_class=MockPin)
    yield factory
    factory.reset()


@pytest.fixture
def players():
    """Every player a test opens is closed before its factory is reset."""
    opened: list[BuzzerPlayer] = []

    def make(*args, **kwargs) -> BuzzerPlayer:
        opened.append(BuzzerPlayer(*args, **kwargs))
        return opened[-1]

    yield make
    for p in opened:
        p.close()


def wait_for(predicate, timeout: float = 2.0) -> None:
    wait_until(predicate, timeout, interval=0.001)


def high_pulses(pin) -> list[tuple[float, float, float]]:
    """(start_s, length_s, level) of each time the pin was on, from `pin.states`."""
    t, out, start, level = 0.0, [], None, 0.0
    for step, state in pin.states:
        t += step
        if state and start is None:
            start, level = t, float(state)
        elif not state and start is not None:
            out.append((start, t - start, level))
            start = None
    return out


def approx(x: float) -> pytest.approx:
    return pytest.approx(x, abs=TOL_S)


# -- never blocks, fast -------------------------------------------------------------------


def test_play_returns_at_once_and_the_pin_goes_high_within_ms(pwm_factory, players):
    firsts: list[float] = []
    buzzer = players(PIN, pin_factory=pwm_factory, on_first_note=lambda p, t: firsts.append(t))
    pin = pwm_factory.pin(PIN)
    for name in ("sacrum", "head", "upper_back"):  # the 2nd and 3rd interrupt a cue
        pin.clear_states()
        t0 = time.monotonic()
        assert buzzer.play(DEFAULT_PATTERNS[name]) is True
        assert time.monotonic() - t0 < 0.005
        wait_for(lambda t0=t0: len(firsts) and firsts[-1] > t0)
        assert firsts[-1] - t0 < 0.010
        wait_for(lambda: pin.state > 0)
        rise = next(step for step, state in pin.states[1:] if state)  # since clear_states
        assert rise < 0.010
        time.sleep(0.03)  # the cue sounds a while before the next one cuts in


class HeldPin(MockPWMPin):
    """A pin whose first note-on blocks until released: a worker stuck in the pattern."""

    held = threading.Event()
    release = threading.Event()

    def _set_state(self, value):
        if value and not self.release.is_set():
            self.held.set()
            self.release.wait(10.0)
        super()._set_state(value)


def test_play_from_another_thread_never_waits_for_the_pattern(players):
    # Shown by structure, not by a stopwatch: the worker is held inside a note for as long as the
    # test likes, and 50 plays from another thread (the sampler's) all return meanwhile.
    HeldPin.held.clear()
    HeldPin.release.clear()
    factory = MockFactory(pin_class=HeldPin)
    try:
        buzzer = players(PIN, pin_factory=factory)
        done: list[bool] = []
        buzzer.play(DEFAULT_PATTERNS["sacrum"])
        assert HeldPin.held.wait(5.0), "the worker never reached the pin"

        def sampler() -> None:
            for _ in range(50):
                done.append(buzzer.play(DEFAULT_PATTERNS["sacrum"]))

        thread = threading.Thread(target=sampler)
        thread.start()
        thread.join(5.0)
        assert not thread.is_alive() and done == [True] * 50, "play() waited for the note being played"
        assert not HeldPin.release.is_set()
    finally:
        HeldPin.release.set()
        factory.reset()


# -- patterns on the pin ------------------------------------------------------------------


def test_each_pattern_is_visible_on_a_tonal_pin(pwm_factory, players):
    names = list(DEFAULT_PATTERNS)
    pins = {name: 18 + i for i, name in enumerate(names)}  # all at once: fast
    notes: dict[str, list] = {name: [] for name in names}
    buzzers = {name: players(pins[name], pin_factory=pwm_factory,
                             on_note=lambda i, hz, t, n=name: notes[n].append(hz))
               for name in names}
    def all_patterns() -> None:
        for name in names:
            notes[name].clear()
            pwm_factory.pin(pins[name]).clear_states()
            buzzers[name].play(DEFAULT_PATTERNS[name])
        for name in names:
            wait_for(lambda name=name: not buzzers[name].busy)
        for name in names:
            pattern, pin = DEFAULT_PATTERNS[name], pwm_factory.pin(pins[name])
            pulses = high_pulses(pin)
            assert [approx(length) for _, length, _ in pulses] == list(pattern.beep_lengths), name
            assert {level for _, _, level in pulses} == {0.5 * pattern.volume}, name
            assert notes[name] == [hz for hz, _ in pattern], name
            assert pin.state == 0 and pin.frequency is None, name
    measured(all_patterns, TOL_S)


def test_each_pattern_counts_and_lasts_the_same_on_an_active_buzzer(plain_factory, players):
    names = list(DEFAULT_PATTERNS)
    buzzers = {name: players(18 + i, kind="active", pin_factory=plain_factory)
               for i, name in enumerate(names)}
    def all_patterns() -> None:
        for i, name in enumerate(names):
            plain_factory.pin(18 + i).clear_states()
            buzzers[name].play(DEFAULT_PATTERNS[name])
        for name in names:
            wait_for(lambda name=name: not buzzers[name].busy)
        for i, name in enumerate(names):
            pin = plain_factory.pin(18 + i)
            pulses = high_pulses(pin)
            assert [approx(length) for _, length, _ in pulses] == \
                list(DEFAULT_PATTERNS[name].beep_lengths), name
            assert {level for _, _, level in pulses} == {1.0}
            assert pin.state is False
    measured(all_patterns, TOL_S)


def test_gaps_between_beeps_are_kept(pwm_factory, players):
    buzzer = players(PIN, pin_factory=pwm_factory)
    pin = pwm_factory.pin(PIN)

    def head() -> None:
        pin.clear_states()
        buzzer.play(DEFAULT_PATTERNS["head"])
        wait_for(lambda: not buzzer.busy)
        starts = [start for start, _, _ in high_pulses(pin)]
        assert [approx(b - a) for a, b in zip(starts, starts[1:])] == [0.10, 0.10]
    measured(head, TOL_S)


# -- interrupt, stop, close ---------------------------------------------------------------


def test_a_newer_cue_interrupts_the_one_playing(pwm_factory, players):
    heard: list = []
    rose: list[float] = []
    buzzer = players(PIN, pin_factory=pwm_factory, on_note=lambda i, hz, t: heard.append(hz),
                     on_first_note=lambda p, t: rose.append(t))
    pin = pwm_factory.pin(PIN)

    def sacrum_cut_by_head() -> None:
        heard.clear()
        rose.clear()
        pin.clear_states()
        buzzer.play(DEFAULT_PATTERNS["sacrum"])  # 0.3 s long
        wait_for(lambda: rose)
        time.sleep(0.05)  # the sacrum cue sounds a while (how long is measured, not assumed)
        cut = time.monotonic()
        buzzer.play(DEFAULT_PATTERNS["head"])
        wait_for(lambda: not buzzer.busy)
        pulses = high_pulses(pin)
        assert len(pulses) == 1 + 3
        assert pulses[0][1] == approx(cut - rose[0])  # the sacrum cue cut short when the head cue came
        assert [approx(length) for _, length, _ in pulses[1:]] == [0.06, 0.06, 0.06]
        assert heard == [784.0] + [hz for hz, _ in DEFAULT_PATTERNS["head"]]
    measured(sacrum_cut_by_head, TOL_S)


def test_stop_leaves_the_pin_low_and_joins_the_worker(pwm_factory, players):
    buzzer = players(PIN, pin_factory=pwm_factory)
    pin = pwm_factory.pin(PIN)
    buzzer.play(DEFAULT_PATTERNS["sacrum"])
    wait_for(lambda: pin.state > 0)
    t0 = time.monotonic()
    buzzer.stop()
    assert time.monotonic() - t0 < 0.05
    assert pin.state == 0 and pin.frequency is None
    assert buzzer._thread is not None and not buzzer._thread.is_alive()
    time.sleep(0.05)
    assert pin.state == 0  # nothing left playing
    assert buzzer.play(DEFAULT_PATTERNS["ready"]) is True  # a fresh worker
    wait_for(lambda: pin.state > 0)


def test_close_switches_off_releases_the_pin_and_ignores_later_cues(pwm_factory, players):
    buzzer = players(PIN, pin_factory=pwm_factory)
    pin = pwm_factory.pin(PIN)
    buzzer.play(DEFAULT_PATTERNS["sacrum"])
    wait_for(lambda: pin.state > 0)
    buzzer.close()
    assert pin.state == 0
    assert buzzer.play(DEFAULT_PATTERNS["head"]) is False
    buzzer.close()  # twice is fine
    again = players(PIN, pin_factory=pwm_factory)  # the pin was released
    assert again.play(DEFAULT_PATTERNS["ready"]) is True


def test_active_buzzer_stop_leaves_the_pin_low(plain_factory, players):
    buzzer = players(PIN, kind="active", pin_factory=plain_factory)
    pin = plain_factory.pin(PIN)
    buzzer.play(DEFAULT_PATTERNS["sacrum"])
    wait_for(lambda: pin.state)
    buzzer.stop()
    assert pin.state is False


# -- range, volume, hooks, validation -----------------------------------------------------


def test_notes_outside_the_tonal_range_are_clamped_and_check_names_them(pwm_factory, players):
    buzzer = players(PIN, pin_factory=pwm_factory)  # A5 +/- 2 octaves: 220..3520 Hz
    assert buzzer.range_hz == (pytest.approx(220.0), pytest.approx(3520.0))
    pin = pwm_factory.pin(PIN)
    low = Pattern(((100.0, 0.2),))
    buzzer.play(low)
    wait_for(lambda: pin.state > 0)
    assert pin.frequency == pytest.approx(220.0)
    with pytest.raises(ValueError, match="note 0: 100 Hz is outside"):
        buzzer.check(low)
    for pattern in DEFAULT_PATTERNS.values():
        buzzer.check(pattern)


def test_volume_scales_the_duty_cycle(pwm_factory, players):
    buzzer = players(PIN, pin_factory=pwm_factory, volume=0.5)
    pin = pwm_factory.pin(PIN)
    buzzer.play(DEFAULT_PATTERNS["sacrum"])
    wait_for(lambda: pin.state > 0)
    assert pin.state == pytest.approx(0.25)


def test_a_failing_hook_does_not_silence_cues(pwm_factory, players):
    def broken(*args):
        raise RuntimeError("logger down")

    buzzer = players(PIN, pin_factory=pwm_factory, on_note=broken, on_first_note=broken)
    pin = pwm_factory.pin(PIN)
    pin.clear_states()
    buzzer.play(DEFAULT_PATTERNS["upper_back"])
    wait_for(lambda: not buzzer.busy)
    assert len(high_pulses(pin)) == 2


@pytest.mark.parametrize("kwargs, words", [
    ({"kind": "loud"}, "kind must be one of"),
    ({"volume": 0.0}, "volume"),
    ({"volume": 1.5}, "volume"),
])
def test_bad_settings_are_refused(pwm_factory, players, kwargs, words):
    with pytest.raises(ValueError, match=words):
        players(PIN, pin_factory=pwm_factory, **kwargs)
