"""Delays in every form they are written in, their draws, and run-wide chaos.

Every statistical check draws from a seeded `random.Random`, so it gives the same numbers on
every run: a bound that holds once holds always, and no test can flake.
"""

from __future__ import annotations

import math
import random
import statistics
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_server.steering import MAX_DELAY_MS, Chaos, Delay, SteeringProblem, parse_delay
from mock_server.steering.delays import FORMS, MAX_SIGMA


def refusal(value: object, field: str = "delay") -> dict[str, Any]:
    with pytest.raises(SteeringProblem) as caught:
        parse_delay(value, field)
    return caught.value.detail


# -- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (200, Delay("fixed", 200)),
        (0, Delay("fixed", 0)),
        (12.5, Delay("fixed", 12.5)),
        (MAX_DELAY_MS, Delay("fixed", MAX_DELAY_MS)),
        ("200", Delay("fixed", 200)),
        (" 7.5 ", Delay("fixed", 7.5)),
        ("100-300", Delay("uniform", 100, 300)),
        ("100 - 300", Delay("uniform", 100, 300)),
        ("50-50", Delay("uniform", 50, 50)),
        ({"fixed_ms": 200}, Delay("fixed", 200)),
        ({"uniform": [100, 300]}, Delay("uniform", 100, 300)),
        ({"lognormal": {"median": 200, "sigma": 0.5}}, Delay("lognormal", 200, 0.5)),
        ({"lognormal": {"median": 200, "sigma": 0}}, Delay("lognormal", 200, 0)),
    ],
)
def test_every_form_parses(value: object, expected: Delay) -> None:
    assert parse_delay(value) == expected


@pytest.mark.parametrize(
    "delay",
    [Delay("fixed", 200), Delay("fixed", 12.5), Delay("uniform", 0, 300),
     Delay("lognormal", 200, 0.5)],
)  # fmt: skip
def test_the_json_form_parses_back_to_the_same_delay(delay: Delay) -> None:
    assert parse_delay(delay.to_json()) == delay


def test_json_forms_show_whole_numbers_as_integers() -> None:
    assert Delay("fixed", 200.0).to_json() == {"fixed_ms": 200}
    assert Delay("uniform", 100, 300).to_json() == {"uniform": [100, 300]}
    assert Delay("lognormal", 200, 0.5).to_json() == {"lognormal": {"median": 200, "sigma": 0.5}}


@pytest.mark.parametrize(
    "value",
    [None, True, False, [], [100, 300], "", "fast", "-5", "100-", "-100", "1e3", "100-200-300",
     "nan", "inf", {}, {"fixed": 200}, {"fixed_ms": 1, "uniform": [1, 2]}],
)  # fmt: skip
def test_what_is_no_delay_form_is_refused_naming_the_forms(value: object) -> None:
    assert refusal(value) == {"delay": [FORMS]}


def test_the_refusal_names_the_field_it_was_given() -> None:
    assert refusal("soon", field="latency") == {"latency": [FORMS]}
    assert refusal(-1, field="delay_ms") == {
        "delay_ms": ["Ensure this value is greater than or equal to 0."]
    }


AT_LEAST_0 = "Ensure this value is greater than or equal to 0."
AT_MOST_MAX = f"Ensure this value is less than or equal to {MAX_DELAY_MS}."
NOT_A_NUMBER = "A valid number is required."
LOW_ABOVE_HIGH = "The low bound must not be above the high bound."


def nested(*path: str, message: str) -> dict[str, Any]:
    """`{"delay": {"uniform": [message]}}` from ("uniform",)."""
    node: Any = [message]
    for part in reversed(("delay", *path)):
        node = {part: node}
    return dict(node)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-1, nested(message=AT_LEAST_0)),
        (MAX_DELAY_MS + 1, nested(message=AT_MOST_MAX)),
        (math.nan, nested(message=FORMS)),
        (math.inf, nested(message=FORMS)),
        ("300-100", nested(message=LOW_ABOVE_HIGH)),
        ("70000", nested(message=AT_MOST_MAX)),
        ({"fixed_ms": "200"}, nested("fixed_ms", message=NOT_A_NUMBER)),
        ({"fixed_ms": -3}, nested("fixed_ms", message=AT_LEAST_0)),
        (
            {"uniform": 100},
            nested("uniform", message='Expected a list of items but got type "int".'),
        ),
        ({"uniform": [100]}, nested("uniform", message="Expected [LOW, HIGH].")),
        ({"uniform": [300, 100]}, nested("uniform", message=LOW_ABOVE_HIGH)),
        ({"uniform": [-1, 100]}, nested("uniform", "0", message=AT_LEAST_0)),
        ({"uniform": [1, True]}, nested("uniform", "1", message=NOT_A_NUMBER)),
        ({"lognormal": 200}, nested("lognormal", message='Expected {"median": MS, "sigma": S}.')),
        (
            {"lognormal": {"median": 200}},
            nested("lognormal", "sigma", message="This field is required."),
        ),
        (
            {"lognormal": {"median": 0, "sigma": 1}},
            nested("lognormal", "median", message="Ensure this value is greater than 0."),
        ),
        (
            {"lognormal": {"median": 200, "sigma": -1}},
            nested("lognormal", "sigma", message=AT_LEAST_0),
        ),
        (
            {"lognormal": {"median": 200, "sigma": MAX_SIGMA + 1}},
            nested("lognormal", "sigma", message="Ensure this value is less than or equal to 5."),
        ),
        (
            {"lognormal": {"median": "x", "sigma": 1, "mu": 2}},
            {
                "delay": {
                    "lognormal": {
                        "mu": ["Unknown field; known fields: median, sigma."],
                        "median": [NOT_A_NUMBER],
                    }
                }
            },
        ),
    ],
)
def test_refusals_name_the_nested_field_at_fault(value: object, expected: dict[str, Any]) -> None:
    assert refusal(value) == expected


def test_a_delay_built_wrong_in_code_is_a_value_error() -> None:
    for kind, first, second in [("slow", 1, 0), ("fixed", -1, 0), ("uniform", 3, 1),
                                ("fixed", math.nan, 0)]:  # fmt: skip
        with pytest.raises(ValueError):
            Delay(kind, first, second)  # type: ignore[arg-type]


# -- draws -------------------------------------------------------------------------------------


def test_a_fixed_delay_is_its_milliseconds_in_seconds() -> None:
    assert Delay("fixed", 250).seconds(random.Random(0)) == 0.25


def test_draws_are_repeatable_for_a_seed() -> None:
    for delay in (Delay("uniform", 10, 500), Delay("lognormal", 200, 0.8)):
        rng_a, rng_b, rng_other = random.Random(11), random.Random(11), random.Random(12)
        draws = [delay.seconds(rng_a) for _ in range(50)]
        assert draws == [delay.seconds(rng_b) for _ in range(50)]
        assert draws != [delay.seconds(rng_other) for _ in range(50)]
        assert len(set(draws)) == 50  # draws, not one wait repeated


def test_uniform_draws_stay_within_their_bounds_and_spread_over_them() -> None:
    rng = random.Random(3)
    draws = [Delay("uniform", 100, 300).seconds(rng) for _ in range(2000)]
    assert all(0.1 <= draw <= 0.3 for draw in draws)
    assert min(draws) < 0.11 and max(draws) > 0.29


def test_the_median_of_lognormal_draws_is_near_the_asked_median() -> None:
    rng = random.Random(0)
    draws = [Delay("lognormal", 200, 0.5).milliseconds(rng) for _ in range(2000)]
    assert abs(statistics.median(draws) - 200) <= 0.15 * 200
    assert max(draws) > 400  # a right-skewed tail, not a fixed wait


def test_a_lognormal_tail_is_capped_and_never_overflows() -> None:
    rng = random.Random(1)
    draws = [Delay("lognormal", MAX_DELAY_MS, MAX_SIGMA).seconds(rng) for _ in range(500)]
    assert max(draws) == MAX_DELAY_MS / 1000
    assert min(draws) >= 0


@given(
    kind=st.sampled_from(["fixed", "uniform", "lognormal"]),
    low=st.floats(0, MAX_DELAY_MS),
    spread=st.floats(0, MAX_DELAY_MS),
    sigma=st.floats(0, MAX_SIGMA),
    seed=st.integers(0, 2**32),
)
def test_every_draw_lies_between_zero_and_the_cap(
    kind: str, low: float, spread: float, sigma: float, seed: int
) -> None:
    if kind == "uniform":
        delay = Delay("uniform", low, min(low + spread, MAX_DELAY_MS))
    elif kind == "lognormal":
        delay = Delay("lognormal", max(low, 0.001), sigma)
    else:
        delay = Delay("fixed", low)
    drawn = delay.seconds(random.Random(seed))  # a drawn value, not a measured time
    assert 0 <= drawn <= MAX_DELAY_MS / 1000


# -- chaos -------------------------------------------------------------------------------------


def test_chaos_without_settings_is_inactive_and_costs_nothing() -> None:
    chaos = Chaos()
    assert not chaos.active
    assert chaos.to_json() == {"latency": None, "error_rate": 0.0}
    assert chaos.latency_seconds() == 0.0
    assert not any(chaos.fails() for _ in range(100))


def test_update_sets_either_setting_and_leaves_the_other() -> None:
    chaos = Chaos()
    chaos.update({"latency": "100-300"})
    assert chaos.active and chaos.to_json() == {
        "latency": {"uniform": [100, 300]},
        "error_rate": 0.0,
    }
    chaos.update({"error_rate": 0.5})
    assert chaos.to_json() == {"latency": {"uniform": [100, 300]}, "error_rate": 0.5}
    chaos.update({"latency": None})
    assert chaos.to_json() == {"latency": None, "error_rate": 0.5} and chaos.active
    chaos.update({"error_rate": 0})
    assert not chaos.active
    chaos.update({})
    assert not chaos.active


UNKNOWN_CHAOS = "Unknown field; known fields: latency, error_rate."


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ([], {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
        ({"error_rate": 1.5}, {"error_rate": ["Ensure this value is less than or equal to 1."]}),
        ({"error_rate": -0.1}, {"error_rate": [AT_LEAST_0]}),
        ({"error_rate": "0.5"}, {"error_rate": [NOT_A_NUMBER]}),
        ({"error_rate": True}, {"error_rate": [NOT_A_NUMBER]}),
        ({"error_rate": None}, {"error_rate": [NOT_A_NUMBER]}),
        ({"error_rate": math.nan}, {"error_rate": [NOT_A_NUMBER]}),
        ({"latency": "soon"}, {"latency": [FORMS]}),
        ({"latency": {"uniform": [3, 1]}}, {"latency": {"uniform": [LOW_ABOVE_HIGH]}}),
        ({"rate": 0.5, "jitter": 3}, {"rate": [UNKNOWN_CHAOS], "jitter": [UNKNOWN_CHAOS]}),
    ],
)
def test_update_refuses_what_is_wrong(payload: Any, expected: dict[str, Any]) -> None:
    with pytest.raises(SteeringProblem) as caught:
        Chaos().update(payload)
    assert caught.value.detail == expected


def test_a_refused_update_changes_nothing() -> None:
    chaos = Chaos(latency=Delay("fixed", 50), error_rate=0.1)
    before = chaos.to_json()
    for payload in ({"latency": 300, "error_rate": 2}, {"latency": "x", "error_rate": 0.9},
                    {"latency": None, "error_rate": 0.2, "extra": 1}):  # fmt: skip
        with pytest.raises(SteeringProblem):
            chaos.update(payload)
        assert chaos.to_json() == before


def test_every_problem_of_an_update_is_reported_at_once() -> None:
    with pytest.raises(SteeringProblem) as caught:
        Chaos().update({"latency": -5, "error_rate": 7})
    assert set(caught.value.detail) == {"latency", "error_rate"}


def test_the_constructor_refuses_a_rate_outside_zero_to_one() -> None:
    for rate in (-0.5, 1.01, math.nan):
        with pytest.raises(ValueError):
            Chaos(error_rate=rate)


def test_rate_zero_never_fails_and_rate_one_always_fails() -> None:
    assert not any(Chaos(error_rate=0.0, seed=5).fails() for _ in range(4000))
    always = Chaos(error_rate=1.0, seed=5)
    assert all(always.fails() for _ in range(4000))


def test_a_quarter_of_answers_fail_at_rate_one_quarter() -> None:
    chaos = Chaos(error_rate=0.25, seed=0)
    failures = sum(chaos.fails() for _ in range(4000))
    assert abs(failures / 4000 - 0.25) < 0.03


def test_the_same_seed_fails_the_same_requests_and_another_seed_others() -> None:
    def pattern(seed: int) -> list[bool]:
        chaos = Chaos(error_rate=0.3, seed=seed)
        return [chaos.fails() for _ in range(200)]

    assert pattern(4) == pattern(4)
    assert pattern(4) != pattern(5)


def test_latency_draws_are_seeded_and_do_not_shift_which_requests_fail() -> None:
    quiet = Chaos(error_rate=0.3, seed=9)
    slow = Chaos(latency=Delay("uniform", 0, 100), error_rate=0.3, seed=9)
    failures_quiet = [quiet.fails() for _ in range(200)]
    failures_slow = []
    for _ in range(200):
        slow.latency_seconds()
        failures_slow.append(slow.fails())
    assert failures_quiet == failures_slow
    again = Chaos(latency=Delay("uniform", 0, 100), seed=9)
    fresh = Chaos(latency=Delay("uniform", 0, 100), seed=9)
    assert [again.latency_seconds() for _ in range(20)] == [
        fresh.latency_seconds() for _ in range(20)
    ]


def test_reset_clears_chaos_and_starts_the_draws_again() -> None:
    chaos = Chaos(error_rate=0.5, seed=2)
    first = [chaos.fails() for _ in range(50)]
    chaos.reset()
    assert not chaos.active
    chaos.update({"error_rate": 0.5})
    assert [chaos.fails() for _ in range(50)] == first


ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["fixed_ms", "uniform", "lognormal", "median", "sigma", "x"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=10,
)


@given(value=ANY_JSON)
def test_any_json_is_a_delay_or_a_refusal_never_a_crash(value: object) -> None:
    try:
        delay = parse_delay(value)
    except SteeringProblem as problem:
        assert problem.detail and list(problem.detail) == ["delay"]
    else:
        assert parse_delay(delay.to_json()) == delay


@given(latency=ANY_JSON, error_rate=ANY_JSON)
def test_any_chaos_update_applies_whole_or_not_at_all(latency: object, error_rate: object) -> None:
    chaos = Chaos(latency=Delay("fixed", 1), error_rate=0.5)
    before = chaos.to_json()
    try:
        chaos.update({"latency": latency, "error_rate": error_rate})
    except SteeringProblem:
        assert chaos.to_json() == before
    else:
        assert chaos.error_rate == error_rate
