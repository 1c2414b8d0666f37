"""Report charts: axes a planner can read."""

import matplotlib.pyplot as plt
import pandas as pd

from staffline.report.plots import gantt_figure


def test_gantt_axis_reads_clock_times_and_spans_the_roster():
    roster = pd.DataFrame(
        [
            ("E01", "2026-11-30", "07:30", "12:00", "counter"),
            ("E02", "2026-11-30", "12:00", "19:15", "lobby"),
            ("E01", "2026-12-01", "09:00", "13:00", "lobby"),
        ],
        columns=["employee", "date", "start", "end", "role"],
    )
    fig = gantt_figure(roster)
    try:
        for ax in fig.axes:
            assert ax.get_xlim() == (7, 20)  # an early shift and a late one both show whole
            labels = [t.get_text() for t in ax.get_xticklabels()]
            assert labels[0] == "07:00" and all(len(x) == 5 and x[2] == ":" for x in labels)
    finally:
        plt.close(fig)
