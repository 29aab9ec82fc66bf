"""Config: defaults without a file, errors that name the key."""
import pytest

from device.app.config import Config, ConfigError, data_dir, load_config, parse_config


def test_missing_default_file_means_defaults(monkeypatch, tmp_path):
    monkeypatch.setattr("device.app.config.DEFAULT_PATH", str(tmp_path / "none.toml"))
    cfg = load_config(None)
    assert cfg == Config()
    assert cfg.sampler.rate_hz == 100.0 and cfg.buzzer.pin == 18 and cfg.hardware.channels == [0, 1, 2]


def test_explicit_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(str(tmp_path / "none.toml"))


def test_values_are_read(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('[hardware]\nadc = "mcp3008"\ngpiochip = 4\n[sampler]\nrate_hz = 0\n'
                 '[cues]\nschedule = "faded"\npatterns = { head = [[2000, 0.1]] }\n')
    cfg = load_config(str(p))
    assert cfg.hardware.adc == "mcp3008" and cfg.hardware.gpiochip == 4
    assert cfg.sampler.rate_hz == 0.0 and cfg.cues.schedule == "faded"
    assert cfg.cues.patterns == {"head": [[2000, 0.1]]}
    assert cfg.source == str(p)


@pytest.mark.parametrize("text, words", [
    ("[sampler]\nrate = 5\n", "unknown key sampler.rate"),
    ("[sampeler]\nrate_hz = 5\n", "unknown key sampeler"),
    ("[sampler]\nrate_hz = 'fast'\n", "sampler.rate_hz: expected a number"),
    ("[buzzer]\npin = 40\n", "buzzer.pin: a BCM GPIO number"),
    ("[buzzer]\nkind = 'loud'\n", "buzzer.kind: 'loud' is not one of"),
    ("[hardware]\nchannels = [0, 1, 1]\n", "hardware.channels"),
    ("[hardware]\nimu = 'yes'\n", "hardware.imu: expected true or false"),
    ("[hardware]\nchannels = [0, 'a', 2]\n", "hardware.channels[1]: expected an integer"),
    ("[detector]\nreturn_deg = 40\n", "return_deg must be smaller"),
    ("[detector.reps]\ntarget_deg = 10\n", "detector.reps.target_deg: 0 (learn it) or 16..90"),
    ("[detector.reps]\nfloor_deg = 40\n", "floor_deg <= first_deg <= depth_min_deg"),
    ("sampler = 3\n", "sampler: expected a [sampler] table"),
    ("[sampler\n", "not valid TOML"),
])
def test_errors_name_file_and_key(tmp_path, text, words):
    p = tmp_path / "c.toml"
    p.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(str(p))
    assert str(err.value).startswith(str(p)) and words in str(err.value)


def test_the_rep_target_and_removal_are_set_in_detector_tables(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text("[detector.reps]\ntarget_deg = 25\nfloor_deg = 15\n[detector.removal]\nwindow_s = 0.3\n")
    cfg = load_config(str(p))
    assert (cfg.detector.reps.target_deg, cfg.detector.reps.floor_deg) == (25.0, 15.0)
    assert cfg.detector.reps.first_deg == 18.5 and cfg.detector.removal.window_s == 0.3


def test_binary_junk_is_a_clear_error(tmp_path):
    p = tmp_path / "c.toml"
    p.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(str(p))


def test_data_dir_order(monkeypatch):
    monkeypatch.delenv("SMARTDOWEL_DATA", raising=False)
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    assert data_dir(Config()).endswith("/.local/share/smartdowel")
    monkeypatch.setenv("STATE_DIRECTORY", "/var/lib/smartdowel")
    assert data_dir(Config()) == "/var/lib/smartdowel"
    monkeypatch.setenv("SMARTDOWEL_DATA", "/tmp/x")
    assert data_dir(Config()) == "/tmp/x"
    assert data_dir(parse_config("[data]\ndir = '/srv/d'\n", "c")) == "/srv/d"


def test_alert_pin_is_a_gpio_or_not_wired():
    assert Config().hardware.ads1115_alert_pin == 17
    assert parse_config("[hardware]\nads1115_alert_pin = -1\n", "c").hardware.ads1115_alert_pin == -1
    for bad in ("30", "-2"):
        try:
            parse_config(f"[hardware]\nads1115_alert_pin = {bad}\n", "c.toml")
        except ConfigError as exc:
            assert "ads1115_alert_pin" in str(exc) and "-1: not wired" in str(exc)
        else:
            raise AssertionError(f"{bad} accepted")


def test_older_detector_keys_still_read(tmp_path):
    """Keys of [detector] from before its tables: moved where they now live, or ignored and said so."""
    p = tmp_path / "c.toml"
    p.write_text("[detector]\nlost_ratio = 0.1\nremoval_hold_s = 0.12\nremoval_window_s = 0.3\n"
                 "removal_ratio = 0.7\n")
    cfg = load_config(str(p))
    assert cfg.detector.contact.lost_ratio == 0.1
    assert (cfg.detector.removal.hold_s, cfg.detector.removal.window_s) == (0.12, 0.3)
    assert len(cfg.notices) == 1 and "detector.removal_ratio is no longer used" in cfg.notices[0]
    assert Config().notices == []
