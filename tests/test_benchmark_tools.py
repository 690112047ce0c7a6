"""The tools that explain the cores benchmark: the machine's ceiling does all the work it is given,
however it is split, and the phase timer wraps steps the build still has (a renamed step would
otherwise break it on the one lent machine where it is run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import build_phases  # noqa: E402
import cpu_ceiling  # noqa: E402


def test_the_ceiling_does_every_unit_on_one_core_and_on_several() -> None:
    units = 203  # not a multiple of the chunk size: the last chunk is short
    expected = sum(cpu_ceiling.unit(seed) for seed in range(units))
    usable = sorted(os.sched_getaffinity(0))
    for cores in ({usable[0]}, set(usable)):
        run = subprocess.run(
            [sys.executable, str(BENCHMARKS / "cpu_ceiling.py"), str(units)],
            capture_output=True,
            text=True,
            check=True,
            preexec_fn=lambda cores=cores: os.sched_setaffinity(0, cores),
        )
        assert int(run.stdout) == expected


def test_every_timed_phase_is_a_step_of_the_build() -> None:
    for owner, name, _ in build_phases.PHASES:
        assert callable(getattr(build_phases._owner(owner), name)), f"{owner}.{name}"
    import signalbrief.build

    assert callable(signalbrief.build._Worker.render)
