"""Named scenarios: the reference families, one per phenomenon met since, and the app's own.

Each phenomenon family switches on one knob of the model (with the ordinary
noise around it), so a benchmark row says what that phenomenon does to the
detector; `mix` switches on many at once.
"""
from __future__ import annotations

from typing import Any

from drivers.sim.scenario import FaultSpec, Scenario

LONG: dict[str, Any] = dict(reps=(30, 50), stand_s=(2.0, 4.0), dips=5)  # 4-6 minute sets

PRESETS: dict[str, Scenario] = {
    # The reference "typical" family: 100 Hz, some jitter, a stall every ~8 s,
    # a few faults in any phase, a dip, one bounce and one sag, lone glitches.
    "typical": Scenario(family="typical", reps=10, jitter=0.1, stall_every_s=8.0, faults=4,
                        bounces=1, sags=1, glitches_per_min=8.0),
    # No faults at all: every contact_lost is a false alarm; reps must count exactly.
    "clean": Scenario(family="clean", reps=6, faults=0, glitches_per_min=10.0),
    # 200 Hz and quick reps: rate independence, short bottoms, frequent stalls.
    "fast": Scenario(family="fast", rate_hz=200.0, jitter=0.1, stall_every_s=4.0, reps=9,
                     descent_s=(0.5, 1.2), bottom_s=(0.0, 0.35), ascent_s=(0.4, 1.1),
                     stand_s=(0.5, 2.0), faults=5, glitches_per_min=12.0),
    # No IMU: contacts alone, no pitch column, no rep counting.
    "no_imu": Scenario(family="no_imu", imu=False, reps=10, jitter=0.1, stall_every_s=10.0,
                       faults=4, dips=1, bounces=1, glitches_per_min=8.0),
    # Three times the force noise, more ADC noise, many bounces and glitches, sags.
    "noisy": Scenario(family="noisy", noise="high", reps=10, jitter=0.15, stall_every_s=6.0,
                      faults=5, dips=2, bounces=7, sags=2, glitches_per_min=25.0),
    # Everything at once: 50 Hz, jitter 0.2, 100 ms stalls every ~5 s, a light
    # head (<1 N), sags to ~20 %, drift 0.35, bounces and glitches.
    "hard": Scenario(family="hard", rate_hz=50.0, jitter=0.2, stall_every_s=5.0,
                     reps=10, faults=5, dips=2, noise="high", light_head=True,
                     sag_floor=(0.20, 0.22), sags=4, drift=0.35, bounces=6, glitches_per_min=20.0),
    # -- one phenomenon each (second round) ------------------------------------------------
    # Pads peeling away over 0.4-1.5 s, in several shapes (a sacrum as the lumbar spine rounds).
    "slow_peel": Scenario(family="slow_peel", reps=10, faults=6, fault_ramp_s=(0.4, 1.5),
                          fault_shapes=("cosine", "linear", "late", "early"), jitter=0.1),
    # The head lightens with depth every rep (to 25-45 % at the bottom) while the back presses harder.
    "rep_sag": Scenario(family="rep_sag", reps=10, faults=5, head_unload=(0.25, 0.45), sags=2,
                        jitter=0.1),
    # 4-6 minute sets of 30-50 reps; FSRs creep and warm +20-40 % over the first minutes.
    "creep_long": Scenario(family="creep_long", faults=10, creep=(0.2, 0.4), bounces=4, sags=3,
                           glitches_per_min=3.0, jitter=0.1, stall_every_s=20.0, **LONG),
    # Long clean sets: every contact_lost is a false alarm (hours of these measure the rate).
    "long_clean": Scenario(family="long_clean", faults=0, creep=(0.0, 0.4), bounces=6, sags=4,
                           edge_bounces=2, fidgets=3, glitches_per_min=4.0, jitter=0.1,
                           stall_every_s=15.0, head_unload=(0.25, 1.0), **LONG),
    # Mains hum on long cables (50 + 100 Hz, 10-50 mV at the ADC) and lone EMI spikes.
    "hum": Scenario(family="hum", reps=10, faults=5, hum_mv=(10.0, 50.0), spikes_per_min=3.0,
                    jitter=0.15, bounces=2, sags=1),
    # The MCP3008 build (10 bits of the rail) with a light head contact (0.4-1 N).
    "mcp_light": Scenario(family="mcp_light", adc="mcp3008", light_head=True, reps=10, faults=5,
                          bounces=2, sags=2, jitter=0.1),
    # Two contacts lost within 0-80 ms of each other.
    "double": Scenario(family="double", reps=10, faults=1, doubles=4, jitter=0.1, sags=1),
    # The dowel taken off with its pads leaving 50-250 ms apart: removal, never faults.
    "ragged_removal": Scenario(family="ragged_removal", reps=6, faults=2, removal_spread_s=(0.05, 0.25)),
    # All three pads easing off together to 35-60 % for up to a second between reps.
    "fidget": Scenario(family="fidget", reps=10, faults=4, fidgets=5, jitter=0.1),
    # A loaded Pi Zero: stalls of 50-300 ms, 30 % jitter.
    "stall_heavy": Scenario(family="stall_heavy", reps=10, faults=6, stall_every_s=2.5,
                            stall_s=(0.05, 0.30), jitter=0.3, bounces=2, glitches_per_min=4.0),
    # The IMU mounted 15-30 deg off (pitch, and turned about the dowel), the standing angle
    # wandering +-6 deg over the set.
    "mount_offset": Scenario(family="mount_offset", reps=10, faults=2, imu_offset_deg=(15.0, 30.0),
                             imu_yaw_deg=(0.0, 20.0), standing_wander_deg=6.0, dips=2),
    # Sags with a 5-30 ms bounce landing on their falling edge: no loss.
    "edge_bounce": Scenario(family="edge_bounce", reps=10, faults=3, edge_bounces=5, sags=1,
                            jitter=0.1),
    # Athletes whose bends peak at 20-35 deg (tight hamstrings, older athletes); dips shallower still.
    "shallow": Scenario(family="shallow", reps=10, faults=3, depth_deg=(20.0, 35.0), dip_deg=(5.0, 12.0),
                        dips=2, descent_s=(1.0, 2.5), ascent_s=(1.0, 2.0)),
    # Side bends and twists between reps (roll column written): never reps.
    "side_bends": Scenario(family="side_bends", reps=8, faults=2, side_bends=3, twists=2, roll=True,
                           imu_yaw_deg=(0.0, 30.0)),
    # The same for shallow athletes, whose own target is low.
    "shallow_side": Scenario(family="shallow_side", reps=8, faults=2, side_bends=3, twists=2, roll=True,
                             depth_deg=(20.0, 35.0), dip_deg=(5.0, 12.0), side_bend_deg=(15.0, 35.0),
                             imu_yaw_deg=(0.0, 20.0)),
    # Slow tempo: long descents and bottoms.
    "slow_tempo": Scenario(family="slow_tempo", reps=6, faults=3, descent_s=(2.0, 4.0),
                           bottom_s=(0.5, 3.0), ascent_s=(1.5, 3.0), dips=2),
    # Physics not named above: FSR curves off linear, a supply rail off its nominal 3.3 V,
    # 60 Hz mains, 200 Hz sampling with stalls.
    "fsr_curve": Scenario(family="fsr_curve", reps=10, faults=5, fsr_exponent=(0.8, 1.05), break_n=(0.1, 0.3),
                          supply_error=0.02, sags=2, jitter=0.1),
    "mains60": Scenario(family="mains60", rate_hz=200.0, reps=10, faults=5, hum_mv=(10.0, 40.0),
                        mains_hz=60.0, stall_every_s=4.0, jitter=0.2, spikes_per_min=2.0),
    # Many at once.
    "mix": Scenario(family="mix", reps=(12, 20), faults=6, doubles=1, fault_ramp_s=(0.08, 1.2),
                    fault_shapes=("cosine", "linear", "late", "early"), head_unload=(0.25, 0.45),
                    creep=(0.1, 0.3), hum_mv=(0.0, 30.0), spikes_per_min=1.0, fidgets=2, edge_bounces=2,
                    sags=2, bounces=3, glitches_per_min=4.0, stall_every_s=6.0, stall_s=(0.05, 0.25),
                    jitter=0.2, imu_offset_deg=(0.0, 20.0), standing_wander_deg=4.0,
                    removal_spread_s=(0.0, 0.2), noise="high"),
    # -- sensor faults, for the detector's sensor_fault events ---------------------------------
    "shorted": Scenario(family="shorted", reps=6, faults=2, shorted=("head", 20.0)),
    "stuck": Scenario(family="stuck", reps=6, faults=2, stuck=("sacrum", 20.0)),
    # -- the app's own ----------------------------------------------------------------------
    # The appliance without hardware: a typical set that repeats forever.
    "demo": Scenario(family="demo", reps=8, faults=3, jitter=0.05, glitches_per_min=4.0, loop=True),
    # A person plays the athlete (keys lift contacts, arrows tilt): no scripted reps, never removed.
    "manual": Scenario(family="manual", reps=0, faults=0, dips=0, remove=False),
    # The example screens: a clean-looking set with one sacrum and one head loss at known reps
    # (no break force: a pad being placed shows a sliver of pressure before it is pressed).
    "screens": Scenario(family="screens", seed=7, reps=6, dips=0, glitches_per_min=0.0, jitter=0.02,
                        break_n=(0.0, 0.0),
                        depth_deg=(50.0, 70.0), descent_s=(1.1, 1.4), bottom_s=(0.3, 0.5),
                        faults=(FaultSpec("sacrum", 3, "bottom", ramp_s=0.2, hold_s=1.5),
                                FaultSpec("head", 5, "descent", ramp_s=0.25, hold_s=1.0))),
}
