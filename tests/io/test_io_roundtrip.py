"""Hypothesis: any valid instance written to a folder loads back equal."""

import datetime as dt
import tempfile

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from staffline.io import load_instance, normalize_appointments, normalize_history, write_instance
from staffline.model import Contract, Employee, Request
from staffline.synthetic import generate_instance

names = st.text(alphabet="王李张芳伟AbcdéßØ ", min_size=1, max_size=6).map(str.strip).filter(bool)
hours = st.integers(0, 80).map(float)


@st.composite
def contracts(draw):
    lo, hi = sorted((draw(hours), draw(hours)))
    dlo, dhi = sorted((draw(st.integers(0, 7)), draw(st.integers(0, 7))))
    start = draw(st.one_of(st.none(), st.sampled_from([dt.time(8), dt.time(9, 30)])))
    end = draw(st.one_of(st.none(), st.sampled_from([dt.time(16), dt.time(18, 15)])))
    cost = draw(st.integers(0, 2000)) / 4
    return Contract(lo, hi, dlo, dhi, draw(st.integers(1, 28)), start, end, cost)


@st.composite
def instances(draw):
    n_roles = draw(st.integers(1, 4))
    base = generate_instance(n_staff=3, n_roles=n_roles, weeks=2, seed=draw(st.integers(0, 10_000)))
    roles = base.branch.role_names
    staff = []
    for i in range(draw(st.integers(1, 5))):
        held = draw(st.lists(st.sampled_from(roles), min_size=1, max_size=len(roles), unique=True))
        unavailable = draw(st.lists(st.sampled_from(["sat", "mon", dt.date(2026, 12, 2)]), max_size=2, unique=True))
        staff.append(Employee(f"E{i}", draw(names), tuple(held), draw(contracts()), tuple(unavailable)))
    history = base.history.sample(n=draw(st.integers(2, 60)), random_state=0)
    history = pd.concat([history, base.history.iloc[[0, -1]]]).drop_duplicates()  # keep the week span
    requests = tuple(
        Request(e.id, draw(st.sampled_from(["mon", dt.date(2026, 12, 1)])), "off", draw(st.integers(0, 9)) * 1.0)
        for e in staff[: draw(st.integers(0, len(staff)))]
    )
    apps = base.appointments.head(draw(st.integers(0, 5)))
    return type(base)(
        branch=base.branch,
        staff=tuple(staff),
        history=normalize_history(history),
        appointments=normalize_appointments(apps),
        requests=requests,
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_written_instance_loads_back_equal(instance):
    with tempfile.TemporaryDirectory() as folder:
        write_instance(instance, folder)
        assert load_instance(folder) == instance
