"""The buzzer: plays a cue pattern on a background thread, never blocking the caller.

The sampler thread calls `play()` the moment a loss is decided; it must be back
polling the ADC within microseconds, so `play()` only hands the pattern to a
worker thread and returns. A newer cue cuts off the one playing: the newest
fault is what the athlete can still correct.

Two kinds of part, by config:

- ``tonal``: a passive piezo through gpiozero's `TonalBuzzer` (PWM at the
  note's frequency, 50 % duty for full volume). Its range is `mid_tone` +/-
  `octaves`; notes outside are clamped on play (a cue must never raise on the
  sampler's thread) and rejected by `check()`, which the config loader calls.
- ``active``: a buzzer with its own oscillator through gpiozero's `Buzzer`.
  On/off only: frequency is ignored, so a pattern's count and rhythm carry it.

Hardware is injected: pass `pin_factory` (gpiozero's `MockFactory` in tests).

    >>> from gpiozero.pins.mock import MockFactory, MockPWMPin
    >>> factory = MockFactory(pin_class=MockPWMPin)
    >>> with BuzzerPlayer(18, pin_factory=factory) as buzzer:
    ...     buzzer.play([(2637.0, 0.06), (None, 0.04), (2637.0, 0.06)])
    True
    >>> factory.pin(18).state == 0  # leaving the block switched it off
    True
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from gpiozero import Buzzer, TonalBuzzer
from gpiozero.tones import Tone

log = logging.getLogger(__name__)

KINDS = ("tonal", "active")
# Full volume on a piezo is a square wave: 50 % duty.
_FULL_DUTY = 0.5
# How long stop() waits for the worker; a note write never takes this long.
_JOIN_TIMEOUT_S = 1.0

Notes = Sequence[tuple[float | None, float]]
NoteHook = Callable[[int, float | None, float], None]
FirstNoteHook = Callable[[Any, float], None]


class BuzzerPlayer:
    """Plays cue patterns (sequences of `(frequency_hz or None, duration_s)`).

    `on_first_note(pattern, t)` is called from the worker thread right after a
    pattern's first sounding note switched the pin on, with `time.monotonic()`:
    the latency benchmark subtracts the loss time from it. `on_note(index,
    frequency_hz, t)` is called for every note (None = silence), for logs and
    tests, since a mock pin records duty cycle but not frequency.
    """

    def __init__(self, pin: int | str = 18, kind: str = "tonal", pin_factory: Any = None,
                 volume: float = 1.0, mid_tone: str | float = "A5", octaves: int = 2,
                 on_note: NoteHook | None = None,
                 on_first_note: FirstNoteHook | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"buzzer kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if isinstance(volume, bool) or not isinstance(volume, (int, float)) \
                or not 0.0 < volume <= 1.0:
            raise ValueError(f"buzzer volume must be in (0, 1], not {volume!r}")
        self.kind, self.volume = kind, float(volume)
        self.on_note, self.on_first_note = on_note, on_first_note
        if kind == "tonal":
            tone = Tone(mid_tone) if isinstance(mid_tone, str) else Tone(frequency=mid_tone)
            self._device: Any = TonalBuzzer(pin, mid_tone=tone, octaves=octaves,
                                            pin_factory=pin_factory)
            self.range_hz = (self._device.min_tone.frequency, self._device.max_tone.frequency)
        else:
            self._device = Buzzer(pin, pin_factory=pin_factory)
            self.range_hz = (0.0, float("inf"))
        self._cond = threading.Condition()
        self._pending: Any = None
        self._generation = 0
        self._stopping = False
        self._closed = False
        self._running = False  # a worker is alive and will take `_pending`
        self._playing = False
        self._thread: threading.Thread | None = None

    # -- public ------------------------------------------------------------------------------

    def check(self, pattern: Notes) -> None:
        """Raise ValueError naming the first note this buzzer cannot play."""
        lo, hi = self.range_hz
        for i, (hz, dur) in enumerate(pattern):
            if hz is not None and not lo <= hz <= hi:
                raise ValueError(f"note {i}: {hz:g} Hz is outside the buzzer's range "
                                 f"{lo:.0f}..{hi:.0f} Hz (mid_tone +/- octaves)")
            if not dur > 0:
                raise ValueError(f"note {i}: duration must be > 0 s, not {dur!r}")

    def play(self, pattern: Notes) -> bool:
        """Start `pattern` now, cutting off any cue still playing. Returns at once.

        False (and nothing plays) once the player is closed: the sampler may
        still be deciding events while the app shuts down.
        """
        with self._cond:
            if self._closed:
                return False
            self._pending = pattern
            self._generation += 1
            if not self._running:  # first cue, or the first since stop()
                self._stopping, self._running = False, True
                self._thread = threading.Thread(target=self._run, name="buzzer", daemon=True)
                self._thread.start()
            self._cond.notify()
        return True

    @property
    def busy(self) -> bool:
        """True while a pattern is queued or playing."""
        with self._cond:
            return self._pending is not None or self._playing

    def stop(self) -> None:
        """Silence the buzzer and join the worker (SIGTERM, Ctrl-C, end of set).

        A later `play()` starts a fresh worker.
        """
        with self._cond:
            self._stopping = True
            self._pending = None
            self._generation += 1
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(_JOIN_TIMEOUT_S)
            if thread.is_alive():
                log.warning("buzzer worker did not stop within %.1f s", _JOIN_TIMEOUT_S)
        self._silence()

    def close(self) -> None:
        """Stop, switch the pin off and release it. Safe to call twice."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
        self.stop()
        try:
            self._device.close()
        except Exception:  # noqa: BLE001 - shutting down: never mask the real exit
            log.exception("closing the buzzer failed")

    def __enter__(self) -> BuzzerPlayer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- worker ------------------------------------------------------------------------------

    def _run(self) -> None:
        """Take the newest pattern, play it, repeat until stopped.

        A cue queued while stop() is joining still plays (stop() silences it
        after): the liveness flag is changed under the lock, so no cue is ever
        handed to a worker that is on its way out.
        """
        while True:
            with self._cond:
                while self._pending is None and not self._stopping:
                    self._cond.wait()
                if self._pending is None:
                    self._playing = self._running = False
                    return
                pattern, generation = self._pending, self._generation
                self._pending = None
                self._playing = True
            try:
                self._perform(pattern, generation)
            except Exception:  # noqa: BLE001 - a bad write must not kill the cue thread
                log.exception("buzzer pattern failed")
                self._silence()
            with self._cond:
                self._playing = self._pending is not None

    def _perform(self, pattern: Any, generation: int) -> None:
        """Play note by note against one clock, so durations do not drift."""
        deadline = time.monotonic()
        first = True
        for i, (hz, dur) in enumerate(pattern):
            t = self._sound(hz, getattr(pattern, "volume", 1.0))
            self._hook(self.on_note, i, hz, t)
            if first and hz is not None:
                first = False
                self._hook(self.on_first_note, pattern, t)
            deadline += dur
            if self._interrupted(generation, deadline):
                self._silence()  # a clean edge, so the new cue starts on its own
                return
        self._silence()

    def _interrupted(self, generation: int, deadline: float) -> bool:
        """Wait until `deadline`; True at once if a newer cue or stop() came in."""
        with self._cond:
            while self._generation == generation:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def _sound(self, hz: float | None, pattern_volume: float) -> float:
        """Switch to one note (None = silence); returns when the pin was set."""
        if hz is None:
            self._silence()
        elif self.kind == "active":
            self._device.on()
        else:
            lo, hi = self.range_hz
            pwm = self._device.pwm_device
            pwm.pin.frequency = min(max(float(hz), lo), hi)
            pwm.value = _FULL_DUTY * self.volume * pattern_volume
        return time.monotonic()

    def _silence(self) -> None:
        try:
            if self.kind == "active":
                self._device.off()
            else:
                self._device.stop()
        except Exception:  # noqa: BLE001 - closed device at shutdown: already silent
            log.debug("buzzer already closed", exc_info=True)

    @staticmethod
    def _hook(hook: Callable[..., None] | None, *args: Any) -> None:
        if hook is None:
            return
        try:
            hook(*args)
        except Exception:  # noqa: BLE001 - a broken logger must not silence cues
            log.exception("buzzer hook failed")
