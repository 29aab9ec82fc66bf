"""A simulated athlete holding a sensor dowel: the raw data a real dowel would give.

Why: the detector, the benchmarks, the demos and the appliance without hardware
all need traces whose every event is known (a "truth") and that fail the way
real ones do: FSRs that differ part to part, drift and creep, pressure that
wobbles and sags, heads that lighten with depth, pads that peel slowly or
bounce, mains hum and EMI on long cables, two ADCs, a sampler that jitters and
stalls, an IMU mounted off, athletes who bend shallow or sideways. Pure
standard library; knows nothing of `device/`.

    scenario.py   every knob (Scenario, FaultSpec) and the constants behind them
    shapes.py     falls, envelopes, movements, slow random walks
    plan.py       the athlete's forces and posture, the pads' and the IMU's physics
    timeline.py   reps, dips, side bends, twists, faults (single and double), removal
    blips.py      what is not a loss: sags, fidgets, bounces, glitches, spikes
    chain.py      noise, hum, the ADC, the IMU reading, the sampler's clock
    truth.py      a set planned and labelled; `simulate`
    live.py       `SimulatedDowel`, read live
    presets.py    named scenarios

>>> rows, truth = simulate(PRESETS["clean"])
>>> t, head, upper_back, sacrum, pitch = next(rows)
>>> t, 0 <= head < 40, truth["family"]
(0.0, True, 'clean')
>>> dowel = SimulatedDowel(PRESETS["manual"])
>>> head, upper_back, sacrum, pitch = dowel.read(5.0)
>>> upper_back > 15000
True
"""
from drivers.sim.live import SimulatedDowel
from drivers.sim.presets import PRESETS
from drivers.sim.scenario import CAUSES, CONTACTS, FaultSpec, Scenario, trace_header
from drivers.sim.truth import simulate

__all__ = ["CAUSES", "CONTACTS", "PRESETS", "FaultSpec", "Scenario", "SimulatedDowel", "simulate",
           "trace_header"]
