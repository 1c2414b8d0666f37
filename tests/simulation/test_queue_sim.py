"""The simulator against exact queueing results, and its modelling promises."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from staffline.queueing import erlang_a, erlang_c, mean_wait
from staffline.simulation import QueueSpec, exponential_service, lognormal_service, simulate_days, simulate_queue

LONG = 400  # 15-minute slots = 100 hours, so the empty start hardly biases the averages


def stationary(rate_per_min, servers, aht, patience=None, slots=LONG, **kw):
    return QueueSpec(15, np.full(slots, rate_per_min * 15), np.full(slots, servers), exponential_service(aht), patience, **kw)


def within(ci: dict, exact: float, slack: float = 0.0) -> bool:
    return ci["lo95"] - slack <= exact <= ci["hi95"] + slack


@pytest.mark.parametrize("rate, n, aht", [(2.0, 10, 4.0), (0.5, 3, 4.5), (1.0, 6, 5.0)])
def test_mmn_matches_erlang_c(rate, n, aht):
    summary = simulate_queue(stationary(rate, n, aht), reps=20, seed=7).summary()
    load = rate * aht
    # slack: the day starts empty (a little under the steady state) - 1% absolute on P(wait)
    assert within(summary["p_wait"], float(erlang_c(load, n)), slack=0.01), summary["p_wait"]
    assert within(summary["mean_wait"], float(mean_wait(load, n, aht)), slack=0.02), summary["mean_wait"]


@pytest.mark.parametrize("rate, n, aht, patience", [(2.0, 8, 4.0, 5.0), (1.0, 4, 4.5, 10.0)])
def test_mmn_plus_m_matches_erlang_a(rate, n, aht, patience):
    summary = simulate_queue(stationary(rate, n, aht, patience), reps=20, seed=3).summary()
    exact = erlang_a(rate, aht, patience, n)
    assert within(summary["abandon_share"], float(exact.p_abandon), slack=0.005), summary["abandon_share"]
    assert within(summary["wait_per_arrival"], float(exact.mean_wait), slack=0.02), summary["wait_per_arrival"]


def test_same_seed_same_answer_and_more_staff_never_waits_longer():
    base = dict(slot_minutes=15, arrival_rate=np.array([5, 12, 14, 9, 6, 12, 15, 8], float), service=lognormal_service(4.5, 0.8))
    results = [simulate_queue(QueueSpec(servers=np.full(8, k), **base), reps=30, seed=5) for k in (3, 4, 5)]
    again = simulate_queue(QueueSpec(servers=np.full(8, 3), **base), reps=30, seed=5)
    np.testing.assert_array_equal(results[0].mean_wait, again.mean_wait)
    # common random numbers: the same customers, so FCFS waits can only shrink, replication by replication
    assert np.all(results[0].wait_per_arrival >= results[1].wait_per_arrival - 1e-9)
    assert np.all(results[1].wait_per_arrival >= results[2].wait_per_arrival - 1e-9)
    assert np.all(results[0].per_slot_arrivals == results[2].per_slot_arrivals)


def test_everyone_in_the_hall_at_closing_is_served():
    # heavy last slot, nobody abandons: all arrivals are served after closing
    spec = QueueSpec(15, np.array([2.0, 2.0, 40.0]), np.array([1, 1, 1]), exponential_service(4.0))
    result = simulate_queue(spec, reps=10, seed=1)
    assert np.all(result.abandon_share == 0)
    assert np.all(result.per_slot_arrivals.sum(axis=1) == result.arrivals)
    # 40 arrivals, one server, 4 min each: the queue runs far past closing, so waits are long
    assert result.p90_wait.mean() > 60


def test_slot_without_staff_makes_its_customers_wait_for_the_next_slot():
    spec = QueueSpec(15, np.array([4.0, 4.0, 4.0]), np.array([2, 0, 2]), exponential_service(1.0))
    result = simulate_queue(spec, reps=50, seed=2)
    per_customer = result.per_slot_wait.sum(0) / result.per_slot_arrivals.sum(0)
    assert per_customer[1] > 5.0  # arrived in the empty slot: waits on average half a slot or more
    assert per_customer[1] > 5 * max(per_customer[0], per_customer[2])
    assert np.isfinite(result.mean_wait).all()


def test_vip_customers_wait_less_than_regulars():
    result = simulate_queue(stationary(1.9, 8, 4.0, slots=40, vip_share=0.2), reps=50, seed=4)
    assert np.nanmean(result.vip_mean_wait) < 0.5 * result.mean_wait.mean()


def test_appointments_take_a_server_at_their_time():
    no_appt = QueueSpec(30, np.array([2.0, 2.0]), np.array([1, 1]), exponential_service(5.0))
    appt = QueueSpec(
        30,
        np.array([2.0, 2.0]),
        np.array([1, 1]),
        exponential_service(5.0),
        appointments=np.array([0.0]),
        appointment_minutes=np.array([45.0]),
    )
    a, b = simulate_queue(no_appt, reps=40, seed=9), simulate_queue(appt, reps=40, seed=9)
    assert np.all(b.wait_per_arrival >= a.wait_per_arrival - 1e-9)
    assert b.wait_per_arrival.mean() > a.wait_per_arrival.mean() + 5


def test_a_week_pools_its_days():
    day = stationary(0.5, 3, 4.0, slots=32)
    week = simulate_days([day] * 3, reps=5, seed=0)
    assert week.per_slot_arrivals.shape == (5, 96)
    assert np.allclose(week.arrivals, week.per_slot_arrivals.sum(axis=1))


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError):
        simulate_queue(QueueSpec(15, np.ones(3), np.ones(2, int), exponential_service(1.0)))


def test_drawn_rates_have_the_gamma_mean_and_variance_and_are_known_without_a_shape():
    from staffline.simulation.queue_sim import drawn_rates

    mean, shape = np.array([4.0, 12.0, 30.0]), np.array([5.0, 40.0, np.inf])
    z = np.random.default_rng(0).standard_normal(20_000)
    draws = np.stack([drawn_rates(mean, shape, float(x)) for x in z])
    np.testing.assert_allclose(draws.mean(axis=0), mean, rtol=0.02)
    np.testing.assert_allclose(draws.var(axis=0)[:2], mean[:2] ** 2 / shape[:2], rtol=0.08)
    assert np.all(draws[:, 2] == 30.0)


def test_drawn_rates_widen_the_simulated_spread_of_a_day():
    spec = QueueSpec(slot_minutes=15, arrival_rate=np.full(8, 10.0), servers=np.full(8, 5), service=exponential_service(6.0))
    known = simulate_queue(spec, reps=60, seed=1)
    drawn = simulate_queue(dataclasses.replace(spec, rate_shape=np.full(8, 10.0)), reps=60, seed=1)
    assert drawn.arrivals.std() > 1.5 * known.arrivals.std()
    assert (
        simulate_queue(dataclasses.replace(spec, rate_shape=np.full(8, 10.0)), reps=60, seed=1).arrivals.tolist() == drawn.arrivals.tolist()
    )
