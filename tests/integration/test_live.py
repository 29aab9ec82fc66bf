"""The live appliance on the simulated dowel: real drivers over fake chips, mock pins."""
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from device.app.appliance import Appliance
from device.app.config import Config, parse_config
from device.core.patterns import DEFAULT_PATTERNS
from device.core.cues import CuePolicy
from device.core.detector import Detector
from device.app.hardware import build_sim, choose
from device.app.live import LiveLoop
from device.view.commands import ChangeSetting, EndSet
from device.core.signal import SignalChain
from conftest import REPO, fall, make_samples, with_placement


class FakePlayer:
    def __init__(self):
        self.played = []

    def play(self, pattern):
        self.played.append(pattern)
        return True


def test_live_loop_cues_each_loss_once_and_passes_every_event_on():
    player, out = FakePlayer(), queue.Queue()
    live = LiveLoop(Detector(SignalChain()), CuePolicy(), DEFAULT_PATTERNS, player, out)
    for s in make_samples(with_placement({"sacrum": fall(4.0, 0.2, 0.5), "head": fall(6.0, 0.1, 0.4)}), 8.0):
        live.on_sample(s)
    events = [out.get_nowait().to_dict() for _ in range(out.qsize())]
    cued = [e["cue"] for e in events if "cue" in e]
    assert cued == ["ready", "sacrum", "head"]
    assert player.played == [DEFAULT_PATTERNS[n] for n in cued]
    assert [e["type"] for e in events].count("contact_restored") == 2


def test_commands_run_between_samples_on_the_sampler_thread():
    out = queue.Queue()
    live = LiveLoop(Detector(SignalChain()), CuePolicy(), DEFAULT_PATTERNS, None, out)
    samples = make_samples(with_placement({}), 6.0)
    for s in samples[:400]:
        live.on_sample(s)
    live.request(lambda d, t: d.end_set(t))
    for s in samples[400:450]:
        live.on_sample(s)
    live.request(lambda d, t: d.start_set(t))
    for s in samples[450:]:
        live.on_sample(s)
    types = [out.get_nowait().TYPE for _ in range(out.qsize())]
    assert types == ["calibrating", "ready", "set_ended", "calibrating", "ready"]


@pytest.mark.parametrize("model, dev, want", [
    ("Raspberry Pi 5 Model B Rev 1.0", True, "real"),
    ("Raspberry Pi Zero 2 W Rev 1.0", False, "sim"),  # I2C not enabled: no bus to read
    ("", True, "sim"),
])
def test_hardware_choice(monkeypatch, model, dev, want):
    monkeypatch.setattr("os.path.exists", lambda p: dev)
    assert choose(None, Config(), model=model) == want
    assert choose("sim", Config(), model=model) == "sim"


class Lines:
    def __init__(self):
        self.lines = []

    def write(self, text):
        self.lines.extend(x for x in text.splitlines() if x)

    def flush(self):
        pass

    def events(self):
        import json
        return [json.loads(x) for x in self.lines]


def test_appliance_on_the_simulated_dowel_cues_on_the_buzzer_pin():
    cfg = parse_config("[sampler]\nrate_hz = 100\n", "test")
    hw = build_sim(cfg, "manual", seed=2)
    out = Lines()
    app = Appliance(cfg, hw, out=out)
    pin = hw.pin_factory.pin(18)
    seen = {}

    def athlete():  # plays the athlete and button A while the appliance runs on this thread
        deadline = time.monotonic() + 6.0
        while not any(e["type"] == "ready" for e in out.events()) and time.monotonic() < deadline:
            time.sleep(0.05)
        seen["ready"] = any(e["type"] == "ready" for e in out.events())
        time.sleep(0.4)  # let the ready chime finish
        pin.clear_states()
        hw.dowel.lift("sacrum", True)
        time.sleep(0.8)
        app.press("a")  # button A ends the set
        time.sleep(0.3)
        app.stop("test")
    threading.Thread(target=athlete, daemon=True).start()
    app.run(duration=12.0)
    assert seen["ready"], out.lines
    events = out.events()
    lost = [e for e in events if e["type"] == "contact_lost"]
    assert [(e["contact"], e["cue"]) for e in lost] == [("sacrum", "sacrum")]
    rises = [b for a, b in zip(pin.states, pin.states[1:]) if b.state and not a.state]
    assert len(rises) == DEFAULT_PATTERNS["sacrum"].beeps  # one long beep on the mock pin
    assert pin.state == 0  # buzzer off after stop
    assert "set_ended" in [e["type"] for e in events]
    assert events[-1]["type"] == "stopped" and events[-1]["samples"] > 300


def test_sigterm_stops_cleanly_with_the_buzzer_off():
    env = dict(os.environ, PYTHONPATH=str(REPO))
    p = subprocess.Popen([sys.executable, "-m", "device.cli", "run", "--hardware", "sim",
                          "--headless", "--duration", "60"], stdout=subprocess.PIPE, text=True, env=env)
    first = p.stdout.readline()
    assert '"started"' in first
    time.sleep(1.0)
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=10)
    assert p.returncode == 0
    assert '"reason": "SIGTERM"' in out.splitlines()[-1]


def test_sighup_stops_like_sigterm_and_silences_a_beep_mid_tone():
    """SIGHUP (a closed terminal, an ssh session gone) used to kill the app with the buzzer's pin
    left at 50 % duty: the beep went on. Now it ends the run like SIGTERM."""
    from device.app.appliance import install_signal_handlers
    from device.core.patterns import Pattern
    cfg = parse_config("[sampler]\nrate_hz = 100\n", "test")
    hw = build_sim(cfg, "manual", seed=5)
    app = Appliance(cfg, hw, out=Lines())
    pin = hw.pin_factory.pin(cfg.buzzer.pin)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}
    install_signal_handlers(app)

    def beep_then_hangup():
        app.player.play(Pattern(((880.0, 1.0), (880.0, 1.0))))
        wait_until(lambda: pin.state > 0)
        os.kill(os.getpid(), signal.SIGHUP)
    threading.Timer(0.3, beep_then_hangup).start()
    try:
        app.run(duration=15.0)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    assert app.exit_reason == "SIGHUP"
    assert pin.state == 0 and pin.frequency is None


def wait_until(predicate, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)


def test_bad_config_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text("[buzzer]\npin = 99\n")
    p = subprocess.run([sys.executable, "-m", "device.cli", "run", "--hardware", "sim",
                        "--config", str(bad)], capture_output=True, text=True,
                       cwd=str(REPO))
    assert p.returncode == 2 and "buzzer.pin" in p.stderr and "Traceback" not in p.stderr


def test_appliance_with_a_screen_draws_frames_and_applies_menu_settings():
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from ui.display import Display
    cfg = parse_config("[sampler]\nrate_hz = 100\n", "test")
    hw = build_sim(cfg, "manual", seed=3)
    app = Appliance(cfg, hw, out=Lines(), display=Display(size=(480, 320), headless=True))
    assert app.sim_keys is not None and all(app.sim_keys.lifted.values())  # manual: the person places it
    threading.Timer(0.2, app.sim_keys.apply, ["dowel"]).start()
    threading.Timer(0.5, app.submit, [ChangeSetting("mute")]).start()
    threading.Timer(0.6, app.submit, [ChangeSetting("sensitivity")]).start()
    app.run(duration=3.0)  # the screen belongs to the thread that made it: this one
    assert app.policy.mute is True
    assert {k.cfg.lost_ratio for k in app.detector.contacts} == {cfg.detector.contact.with_sensitivity("high").lost_ratio}
    assert app.view.build().settings.mute is True
    assert app.display.frames > 10
    assert app.view.build().screen in ("calibrating", "live", "place")


def test_sets_are_recorded_and_a_stick_gets_them(tmp_path, monkeypatch):
    from device.store.store import Store
    stick = tmp_path / "media" / "STICK"
    stick.mkdir(parents=True)
    (stick / "athletes.csv").write_text("name\nAlex\nSam\n")
    mounts = tmp_path / "mounts"
    mounts.write_text("")
    cfg = parse_config(f"[data]\nusb_roots = ['{tmp_path / 'media'}']\n", "test")
    hw = build_sim(cfg, "manual", seed=4)
    out = Lines()
    app = Appliance(cfg, hw, out=out)
    app.sticks.watcher.mounts_file = str(mounts)

    def scenario():
        time.sleep(3.5)
        hw.dowel.lift("sacrum", True)
        time.sleep(0.8)
        hw.dowel.lift("sacrum", False)
        time.sleep(0.6)
        app.submit(EndSet())  # button A: the set ends and is saved
        time.sleep(0.5)
        mounts.write_text(f"/dev/sda1 {stick} vfat rw,nosuid,nodev,noexec 0 0\n")
    threading.Thread(target=scenario, daemon=True).start()
    deadline = time.monotonic() + 20
    app.run(duration=9.0)
    while app.sticks.job is not None and time.monotonic() < deadline:  # pragma: no cover - slow disk
        app.step(0.1)
    events = out.events()
    kinds = [e["type"] for e in events]
    assert "athletes_imported" in kinds
    export = [e for e in events if e["type"] == "export"]
    assert export and export[0]["ok"], export
    folders = [p for p in stick.iterdir() if p.is_dir()]
    assert len(folders) == 1 and (folders[0] / "sets.csv").exists()
    with Store.open(os.environ["SMARTDOWEL_DATA"]) as store:
        sets = [dict(r) for r in store.iter_set_summaries()]
        assert len(sets) == 1 and sets[0]["losses"] == 1
        assert {a.name for a in store.athletes()} >= {"Alex", "Sam"}
