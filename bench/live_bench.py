"""Live loop benchmark: from force gone to buzzer pin high, sampling rate, bus errors.

    python bench/live_bench.py [--losses 200] [--quick]

End to end on this machine, in real time: the ADS1115 driver over a fake chip
that converts in 1/DR with the OS bit (drivers/fake_ads1115.py), the sampler
thread at 100 Hz, the detector, the cue policy and the buzzer on gpiozero's
mock PWM pin. The fake chip's inputs follow a script of contact losses (smooth
falls of 80-400 ms, one contact at a time, round the three), so the moment the
force falls below 10 % of its level is known exactly; the latency is from that
moment to the buzzer pin going high. Prints p50/p95/p99/max.

Then: the sampling rate flat out against what three conversions at 860 SPS
allow, the sampler's interval jitter at 100 Hz, and a run with 1 % of bus
transactions failing plus three bus outages (no false cue, no crash, recovery
time after each outage).
"""
from __future__ import annotations

import argparse
import math
import os
import queue
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gpiozero.pins.mock import MockFactory, MockPWMPin  # noqa: E402

from device.core.cues import CuePolicy  # noqa: E402
from device.core.patterns import DEFAULT_PATTERNS  # noqa: E402
from device.core.detector import Detector  # noqa: E402
from device.app.live import LiveLoop  # noqa: E402
from device.app.sampler import Sampler  # noqa: E402
from device.core.signal import SignalChain  # noqa: E402
from drivers.ads1115 import ADS1115  # noqa: E402
from drivers.buzzer import BuzzerPlayer  # noqa: E402
from drivers.fake_ads1115 import FakeADS1115Bus  # noqa: E402

BASE_G = (2.5e-4, 6.0e-4, 5.0e-4)  # siemens at standing: head, upper back, sacrum
CHAIN = SignalChain()
RISES: list[float] = []


class RecordingPWMPin(MockPWMPin):
    """A mock PWM pin that keeps the absolute time of every off -> on edge."""

    def _change_state(self, value):
        was = self._state
        changed = super()._change_state(value)
        if changed and not was and value:
            RISES.append(time.monotonic())
        return changed


class LossScript:
    """Contacts pressing steadily, then one loss after another; t_lost of each is exact."""

    def __init__(self, start: float, losses: int, seed: int = 1) -> None:
        rng = random.Random(seed)
        self.items = []  # (contact, ramp_start, ramp, end_of_hold, back)
        t = start
        for i in range(losses):
            ramp = rng.uniform(0.08, 0.40)
            hold = rng.uniform(0.25, 0.4)
            self.items.append((i % 3, t, ramp, t + ramp + hold, 0.1))
            t += ramp + hold + 0.1 + rng.uniform(0.3, 0.5)
        self.end = t
        self.noise = random.Random(seed + 1)

    def t_lost(self, item) -> float:
        _, start, ramp, _, _ = item
        return start + ramp * math.acos(2 * 0.1 - 1) / math.pi

    def factor(self, contact: int, t: float) -> float:
        for c, start, ramp, end, back in self.items:
            if c != contact or t < start or t > end + back:
                continue
            if t <= start + ramp:
                return 0.5 + 0.5 * math.cos(math.pi * (t - start) / ramp)
            if t <= end:
                return 0.0
            return (t - end) / back
        return 1.0

    def volts(self, channel: int, now: float) -> float:
        if channel > 2:
            return 0.0
        g = BASE_G[channel] * self.factor(channel, now) * (1.0 + self.noise.gauss(0.0, 0.01))
        rg = CHAIN.divider_ohm * max(g, 0.0)
        return CHAIN.vcc_v * rg / (1.0 + rg)


def build(script: LossScript, rate_hz: float, fail_rate: float = 0.0):
    bus = FakeADS1115Bus(source=script.volts, fail_rate=fail_rate, seed=3)
    adc = ADS1115(bus)
    factory = MockFactory(pin_class=RecordingPWMPin)
    player = BuzzerPlayer(18, pin_factory=factory)
    events: queue.Queue[dict] = queue.Queue()
    live = LiveLoop(Detector(CHAIN), CuePolicy(), DEFAULT_PATTERNS, player, events)
    sampler = Sampler(adc, None, rate_hz, live.on_sample, live.on_event)
    return bus, sampler, player, events


def drain(events: queue.Queue) -> list[dict]:
    out = []
    while not events.empty():
        out.append(events.get_nowait().to_dict())
    return out


def match_cues(script: LossScript, rises: list[float]) -> tuple[list[float], int, int]:
    """Latencies of the first rise within each loss window; missed losses; false cues."""
    lat, used = [], set()
    missed = 0
    for item in script.items:
        _, start, ramp, end, back = item
        hit = next((i for i, r in enumerate(rises) if i not in used and start - 0.05 <= r <= end + back + 0.15), None)
        if hit is None:
            missed += 1
            continue
        used.add(hit)
        lat.append(rises[hit] - script.t_lost(item))
    # rises that belong to no loss (after the ready chime's own rises)
    first = script.items[0][1] - 0.05 if script.items else 0.0
    extra = sum(1 for i, r in enumerate(rises) if i not in used and r >= first
                and not any(s - 0.05 <= r <= e + b + 0.6 for _, s, _, e, b in script.items))
    return lat, missed, extra


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def latency_run(losses: int, rate_hz: float = 100.0, fail_rate: float = 0.0,
                outages: int = 0) -> None:
    RISES.clear()
    script = LossScript(time.monotonic() + 2.0, losses)
    bus, sampler, player, events = build(script, rate_hz, fail_rate)
    sampler.start()
    outage_at = [script.items[0][1] + (i + 1) * (script.end - script.items[0][1]) / (outages + 1)
                 for i in range(outages)]
    try:
        while time.monotonic() < script.end + 0.5:
            if outage_at and time.monotonic() >= outage_at[0]:
                outage_at.pop(0)
                bus.fail_next(40)  # every retry of several reads fails: a chip gone quiet
            time.sleep(0.05)
            if not sampler.running:
                break
    finally:
        alive = sampler.running
        sampler.stop()
        player.close()
    got = drain(events)
    lat, missed, extra = match_cues(script, list(RISES))
    lost = [e for e in got if e["type"] == "contact_lost"]
    faults = [e for e in got if e["type"] == "sensor_fault"]
    oks = [e for e in got if e["type"] == "sensor_ok"]
    j = sampler.jitter()
    label = f"{rate_hz:.0f} Hz" + (f", {fail_rate:.0%} of bus transactions failing" if fail_rate else "")
    print(f"\nlive loop at {label}: {losses} scripted losses over {script.end - script.items[0][1]:.0f} s")
    print(f"  contact_lost events {len(lost)}, cues matched {len(lat)}, missed {missed}, "
          f"false cues {extra}, sampler alive to the end: {alive}")
    if lat:
        ms = [1000 * x for x in lat]
        print(f"  force below 10 % -> buzzer pin high: p50 {pct(ms, .5):.1f} ms  p95 {pct(ms, .95):.1f} ms  "
              f"p99 {pct(ms, .99):.1f} ms  max {max(ms):.1f} ms")
    print(f"  sampling interval p50 {j.p50 * 1000:.2f} ms  p99 {j.p99 * 1000:.2f} ms  max "
          f"{j.max * 1000:.2f} ms  overruns {j.overruns}  failed reads {sampler.failed_reads}  "
          f"bus transactions {bus.transactions}")
    if faults or outages:
        rec = [o["t"] - f["t"] for f, o in zip(faults, oks)]
        print(f"  sensor_fault events {len(faults)}, sensor_ok {len(oks)}, recovery "
              + (f"max {max(rec) * 1000:.0f} ms" if rec else "-"))


def flat_out(seconds: float = 5.0) -> None:
    script = LossScript(time.monotonic() + 100.0, 0)
    bus, sampler, player, events = build(script, 0.0)
    sampler.start()
    time.sleep(seconds)
    sampler.stop()
    player.close()
    rate = sampler.samples / seconds
    limit = 860.0 / 3.0
    print(f"\nflat out: {rate:.1f} samples/s (three channels each) = {rate / limit:.1%} of the "
          f"{limit:.1f}/s three 860 SPS conversions allow")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--losses", type=int, default=200)
    ap.add_argument("--quick", action="store_true", help="30 losses, short runs")
    a = ap.parse_args()
    n = 30 if a.quick else a.losses
    latency_run(n)
    flat_out(2.0 if a.quick else 5.0)
    latency_run(max(20, n // 4), fail_rate=0.01, outages=3)


if __name__ == "__main__":
    main()
