"""The progress line's pace: this process's work, not the time a resumed run spent stopped."""

from __future__ import annotations

import pytest

from convosift.cli.run_output import Pace


def test_a_resumed_run_s_pace_leaves_out_the_time_it_was_stopped() -> None:
    pace = Pace()
    # Resumed after a day: 5,000 of 10,000 listed before the stop, the first progress at t = 0.
    assert pace.rate(5_000, 0.0) == 0.0 and pace.seconds_left(10_000, 5_000) is None
    assert pace.rate(5_500, 10.0) == pytest.approx(50.0)
    assert pace.seconds_left(10_000, 5_500) == pytest.approx(90.0)
    assert pace.seconds_left(None, 5_500) is None  # no count of the window: no ETA
    assert pace.seconds_left(5_000, 5_500) == 0.0
    # A listing taken back never shows as a negative rate.
    assert pace.rate(5_400, 20.0) >= 0.0
