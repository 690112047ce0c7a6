"""The cycle collector's pace: seldom while the program starts, Python's own once a build renders much."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from signalbrief import build as building
from signalbrief import collector
from signalbrief.build import BuildOptions, build
from tests.conftest import BETA, VALID


@pytest.fixture
def starting():
    usual = gc.get_threshold()
    collector.starting()
    yield usual
    collector.as_usual()
    gc.set_threshold(*usual)


def test_starting_collects_seldom_and_as_usual_puts_back_the_pace_it_replaced(starting):
    assert gc.get_threshold() == (collector.STARTING_YOUNG, *starting[1:])
    collector.starting()  # a second start changes nothing: what it replaced is still Python's pace
    collector.as_usual()
    assert gc.get_threshold() == starting
    collector.as_usual()
    assert gc.get_threshold() == starting


@pytest.mark.parametrize(("parallel_from", "rendering_much"), [(1, True), (1000, False)])
def test_a_build_that_renders_much_goes_back_to_python_s_pace(starting, publication, monkeypatch, parallel_from, rendering_much):
    monkeypatch.setattr(building, "PARALLEL_FROM", parallel_from)
    root = publication({"alpha": VALID, "beta": BETA})
    build(root, BuildOptions(output=Path("site"), allow_untranslated=True, jobs=1))
    assert (root / "site/public/en/alpha/index.html").is_file()
    assert (gc.get_threshold() == starting) is rendering_much
