"""The live path on one board profile, in fake time: what bench/board_bench.py measures.

The real drivers, sampler, live loop, detector, cue policy and set recorder
run against the fake chips on a `BusWire` with the board's timing
(drivers/board_model.py). The sampler runs on the calling thread on a
FakeClock that also advances by this thread's own CPU time times the
board's Python factor, leaving out what only the fakes do (the chips' model,
the script of losses). So per sample: how long it took on that board, split
into waiting for conversions, the bus, and Python; how many transfers and
wake-ups it cost; and when each cue fired after the force fell below 10 %.

The recorder is the real one on its own thread (real time, not scaled): its
CPU time per sample is read from its thread's clock.

"Old" runs the drivers and the recorder of an earlier commit, loaded from git,
on the same fakes and the same sampler (which reads an ADC without
`read_many` channel by channel and then the IMU, as it used to).
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import types
from dataclasses import dataclass, field
from typing import Any

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, ROOT)

from gpiozero import InputDevice  # noqa: E402
from gpiozero.pins.mock import MockFactory  # noqa: E402

from device.app.hardware import ImuTilt  # noqa: E402
from device.app.live import LiveLoop  # noqa: E402
from device.app.sampler import Sampler  # noqa: E402
from device.core.cues import CuePolicy  # noqa: E402
from device.core.detector import Detector  # noqa: E402
from device.core.patterns import DEFAULT_PATTERNS  # noqa: E402
from device.core.signal import SignalChain  # noqa: E402
from device.store.store import Store  # noqa: E402
from drivers.board_model import BoardProfile  # noqa: E402
from drivers.fake_ads1115 import BusWire, FakeADS1115Bus, FakeClock  # noqa: E402
from drivers.fake_mcp3008 import FakeMCP3008, FakeSPIFactory  # noqa: E402
from drivers.fake_mpu6050 import FakeMPU6050Bus  # noqa: E402
from drivers.mcp3008 import MCP3008Reader  # noqa: E402
from live_bench import LossScript, match_cues  # noqa: E402

READY_PIN = 17


def from_git(name: str, path: str, rev: str) -> types.ModuleType | None:
    """Module `path` as it was at commit `rev` (None without git or that commit)."""
    try:
        got = subprocess.run(["git", "-C", ROOT, "show", f"{rev}:{path}"], capture_output=True,
                             text=True, timeout=30)
    except OSError:
        return None
    if got.returncode:
        return None
    module = types.ModuleType(name)
    module.__file__ = f"{rev}:{path}"
    sys.modules[name] = module
    exec(compile(got.stdout, module.__file__, "exec"), module.__dict__)
    return module


@dataclass
class Run:
    """One profile, one path: per-sample figures and the cues."""

    label: str
    profile: BoardProfile
    rate_hz: float
    samples: int = 0
    seconds: float = 0.0
    sample_s: list[float] = field(default_factory=list)
    bus_s: float = 0.0
    python_s: float = 0.0
    transactions: int = 0
    ioctls: int = 0
    wakeups: int = 0
    cpu_sampler_s: float = 0.0
    cpu_recorder_s: float = 0.0
    recorder_wakeups: int = 0
    interval_p99_s: float = 0.0
    overruns: int = 0
    cue_latency_s: list[float] = field(default_factory=list)
    missed: int = 0
    false_cues: int = 0
    flat_out_hz: float = 0.0
    ready_pin: str = ""

    def per_sample(self, total: float) -> float:
        return total / self.samples if self.samples else math.nan

    @property
    def cpu_per_sample_s(self) -> float:
        """Here, on this machine: the sampler thread's board work and the recorder's."""
        return self.per_sample(self.cpu_sampler_s + self.cpu_recorder_s)

    def kernel_per_sample_s(self) -> float:
        """On the board, estimated: transfers, wake-ups (the recorder's too) and bare ioctls."""
        p = self.profile
        wakeups = self.wakeups + self.recorder_wakeups
        return self.per_sample(self.transactions * p.kernel_transfer_s + wakeups * p.kernel_wakeup_s
                               + self.ioctls * p.ioctl_s)


class Player:
    """Stands for the buzzer: when each cue was handed over, in fake time."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock, self.times = clock, []  # type: ignore[var-annotated]

    def play(self, pattern: Any) -> bool:
        self.times.append(self.clock.now)
        return True


class Forward:
    """The live loop's event queue: straight to the recorder (the main loop's job, without its lag)."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder

    def put(self, event: Any) -> None:
        self.recorder.post_event(event)


def thread_cpu(thread: Any) -> float:
    return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))


class GatedQueue:
    """The recorder's queue, held shut while the sampler runs in fake time.

    Why: in fake time the sampler never really sleeps, so a recorder working
    beside it would fight it for the GIL far more than on the box, where the
    sampler sleeps most of each period; both threads' CPU would be inflated.
    Shut, the samples and events wait in the queue; opened, the recorder
    writes them and its own CPU time is read alone."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.open = inner, threading.Event()
        self.open.set()

    def put(self, item: Any) -> None:
        self.inner.put(item)

    def qsize(self) -> int:
        return self.inner.qsize()

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        self.open.wait()
        return self.inner.get(block, timeout)

    def get_nowait(self) -> Any:
        self.open.wait()
        return self.inner.get_nowait()


class Rig:
    """The board path for one profile; `old` holds the earlier drivers and recorder (or None)."""

    def __init__(self, profile: BoardProfile, *, ready_pin: bool = True, losses: int = 0,
                 old: dict[str, types.ModuleType] | None = None, data: str = "") -> None:
        self.profile, self.old = profile, old
        self.clock = clock = FakeClock(1000.0, wake_latency_s=profile.wake_latency_s,
                                       wake_jitter=profile.wake_jitter, yield_gil=False)
        self.wire = BusWire(profile, clock)
        self.script = LossScript(clock() + 3.0, losses)
        self.spi = None
        chain = SignalChain(adc=profile.adc)
        self.adc = self._adc(ready_pin)
        self.imu_bus = FakeMPU6050Bus(clock=clock, sleep=clock.sleep, wire=self.wire, noise=False)
        self.imu_bus.set_motion(3.0)
        imu = (old["mpu6050"].MPU6050 if old else _mpu())(self.imu_bus, sleep=clock.sleep)
        imu.probe()
        imu.wake()
        self.store = Store.open(data or tempfile.mkdtemp(prefix="board-bench-"))
        recorder_cls = old["recorder"].SetRecorder if old else _recorder()
        self.recorder = recorder_cls(self.store, chain)
        holder = getattr(self.recorder, "_inbox", self.recorder)  # the queue: in the inbox, or (old) its own
        self.gate = GatedQueue(holder._q)
        holder._q = self.gate
        self.player = Player(clock)
        self.live = LiveLoop(Detector(chain), CuePolicy(), DEFAULT_PATTERNS, self.player,
                             Forward(self.recorder), on_sample=self.recorder.post_sample)
        self.tilt = ImuTilt(imu)

    def _adc(self, ready_pin: bool) -> Any:
        clock, script = self.clock, self.script
        if self.profile.adc == "mcp3008":
            self.spi = BusWire(self.profile, clock)
            chip = FakeMCP3008(source=script.volts, clock=clock, wire=self.spi)
            return MCP3008Reader((0, 1, 2), pin_factory=FakeSPIFactory(chip))
        bus = FakeADS1115Bus(source=script.volts, clock=clock, sleep=clock.sleep, wire=self.wire)
        if self.old:
            return self.old["ads1115"].ADS1115(bus, clock=clock, sleep=clock.sleep)
        ready = None
        if ready_pin:
            factory = MockFactory()
            bus.attach_ready_pin(factory, READY_PIN)
            pin = InputDevice(READY_PIN, pull_up=True, pin_factory=factory).pin
            ready = lambda: not pin.state  # noqa: E731 (as device/app/hardware.py reads it)
        from drivers.ads1115 import ADS1115
        adc = ADS1115(bus, clock=clock, sleep=clock.sleep, ready=ready)
        if ready is not None and not adc.check_ready_pin():
            raise RuntimeError(f"the fake ALERT/RDY pin did not answer: {adc.ready_fault}")
        return adc

    def sampler(self, rate_hz: float) -> Sampler:
        return Sampler(self.adc, self.tilt, rate_hz, self.live.on_sample, self.live.on_event,
                       clock=self.clock, sleep=self.clock.sleep, adc_name=self.profile.adc)

    def totals(self) -> tuple[float, ...]:
        c, w, spi = self.clock, self.wire, self.spi
        bus = w.busy_s + w.io_s + (spi.busy_s + spi.io_s if spi else 0.0)
        txn = w.transactions + (spi.transactions if spi else 0)
        return c.now, bus, c.charged_cpu_s, float(w.ioctls), float(txn)

    def measure(self, run: Run, seconds: float) -> None:
        """Run at `run.rate_hz` for `seconds` of fake time, filling `run` sample by sample."""
        sampler = self.sampler(run.rate_hz)
        clock, factor = self.clock, self.profile.python_factor
        real_poll = sampler.poll_once

        def poll() -> Any:
            with clock.simulating():
                before = self.totals()
            sample = real_poll()
            with clock.simulating():
                after = self.totals()
                if sample is not None:
                    d = [b - a for a, b in zip(before, after)]
                    run.samples += 1
                    run.sample_s.append(d[0])
                    run.bus_s += d[1]
                    run.python_s += d[2] * factor
                    run.ioctls += int(d[3])
                    run.transactions += int(d[4])
            return sample
        sampler.poll_once = poll  # type: ignore[method-assign]
        self.recorder.sync(60.0)
        rec_thread = self.recorder._thread
        inbox = getattr(self.recorder, "_inbox", None)
        rec_wakeups = inbox.wakeups if inbox is not None else 0
        self.gate.open.clear()
        time.sleep(0.6)  # the recorder's wait on the queue times out: it now waits at the gate
        clock.charge_cpu(factor)
        start, cpu0, wakeups = clock.now, clock.charged_cpu_s, clock.wakeups
        sampler.run_for(seconds)
        run.wakeups = clock.wakeups - wakeups  # the sampler's own sleep to each deadline too
        run.cpu_sampler_s += clock.charged_cpu_s - cpu0
        clock.charge_cpu(0.0)
        run.seconds = clock.now - start
        rec_cpu = thread_cpu(rec_thread)
        self.gate.open.set()
        self.recorder.sync(120.0)
        run.cpu_recorder_s += thread_cpu(rec_thread) - rec_cpu
        run.recorder_wakeups = (inbox.wakeups - rec_wakeups) if inbox is not None else run.samples
        j = sampler.jitter()
        run.interval_p99_s, run.overruns = j.p99, j.overruns
        lat, run.missed, run.false_cues = match_cues(self.script, self.player.times)
        run.cue_latency_s = lat

    def flat_out(self, seconds: float) -> float:
        """Samples a second with no schedule: as fast as this board's path allows."""
        sampler = self.sampler(0.0)
        self.clock.charge_cpu(self.profile.python_factor)
        start = self.clock.now
        sampler.run_for(seconds)
        self.clock.charge_cpu(0.0)
        return sampler.samples / (self.clock.now - start)

    def close(self) -> None:
        self.recorder.close()
        self.store.close()


def _mpu() -> Any:
    from drivers.mpu6050 import MPU6050
    return MPU6050


def _recorder() -> Any:
    from device.store.recorder import SetRecorder
    return SetRecorder


def run_profile(profile: BoardProfile, rate_hz: float, seconds: float, *, label: str = "",
                ready_pin: bool = True, old: dict[str, types.ModuleType] | None = None) -> Run:
    """One row of the table: flat out for a few seconds, then `seconds` at `rate_hz` with losses."""
    losses = max(3, int(seconds / 1.1))
    with tempfile.TemporaryDirectory(prefix="board-bench-") as data:
        rig = Rig(profile, ready_pin=ready_pin, losses=losses, old=old, data=data)
        run = Run(label or profile.name, profile, rate_hz)
        try:
            run.flat_out_hz = rig.flat_out(min(5.0, seconds / 4))
            rig.script = _shifted(rig.script, rig.clock.now + 2.0, losses)
            rig.measure(run, rig.script.end - rig.clock.now + 1.0)
            adc = rig.adc
            run.ready_pin = "-" if profile.adc != "ads1115" or old else (
                "ALERT/RDY" if getattr(adc, "ready", None) is not None else "OS poll")
        finally:
            rig.close()
    return run


def _shifted(script: LossScript, start: float, losses: int) -> LossScript:
    """A fresh script of losses starting at `start` (the flat-out run used up the clock before it)."""
    new = LossScript(start, losses)
    script.items, script.end, script.noise = new.items, new.end, new.noise
    return script


def old_path(rev: str) -> dict[str, types.ModuleType] | None:
    """The drivers and recorder of commit `rev`, or None when git cannot give them."""
    mods = {"ads1115": from_git("old_ads1115", "drivers/ads1115.py", rev),
            "mpu6050": from_git("old_mpu6050", "drivers/mpu6050.py", rev),
            "recorder": from_git("old_recorder", "device/store/recorder.py", rev)}
    return None if any(m is None for m in mods.values()) else mods  # type: ignore[return-value]

