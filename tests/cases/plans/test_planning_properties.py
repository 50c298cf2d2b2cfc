"""The pure 双随机 draw over generated jurisdictions of 30 to 100,000 units (hypothesis).

Every example checks the whole contract: every quota met, no recused pairing, credentials valid
for the month, officers' load balanced, same seed → same plan (whatever order the facts come
in), different seed → different plan. Big jurisdictions are built from a seeded
``random.Random`` (hypothesis draws the size, the seed and the mix, not 100,000 elements).
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from cases.core.errors import InvalidInput
from cases.plans.draw import (
    ALGORITHM_VERSION,
    DrawInputs,
    DrawParameters,
    DrawResult,
    OfficerFacts,
    UnitFacts,
    draw,
)

YEAR = 2027


@dataclass(frozen=True)
class Case:
    inputs: DrawInputs
    params: DrawParameters
    seed: str


def build_case(
    size: int,
    regime: str,
    mix_seed: int,
    *,
    direct_p: float = 0.05,
    key_p: float = 0.01,
    security_p: float = 0.2,
    flagged_p: float = 0.02,
    recent_p: float = 0.08,
    n_officers: int = 200,
    n_recusals: int = 2_000,
    params: DrawParameters | None = None,
    seed: str = "s",
) -> Case:
    """A jurisdiction of ``size`` units built from a seeded ``random.Random`` (fast at 100,000)."""
    mix = random.Random(mix_seed)
    units = [
        UnitFacts(
            i,
            mix.random() < direct_p,
            mix.random() < key_p,
            mix.random() < security_p or i <= 3,  # the security regime needs a few units
            mix.random() < flagged_p,
            mix.choice([YEAR - 1, YEAR - 2, YEAR - 3]) if mix.random() < recent_p else None,
        )
        for i in range(1, size + 1)
    ]
    officers = []
    for k in range(1, n_officers + 1):
        if k > 3 and mix.random() < 0.2:  # some credentials start or end during the year
            officers.append(
                OfficerFacts(k, date(YEAR, mix.randint(1, 6), 1), date(YEAR, mix.randint(7, 12), 1))
            )
        else:
            officers.append(OfficerFacts(k, date(YEAR - 2, 1, 1), date(YEAR + 3, 1, 1)))
    # Sparse conflicts of interest; officers 1–3 stay free of them so pairing stays possible.
    recusals = frozenset(
        (mix.randint(4, n_officers), mix.randint(1, size)) for _ in range(min(n_recusals, 3 * size))
    )
    inputs = DrawInputs(YEAR, regime, tuple(units), tuple(officers), recusals)
    return Case(inputs, params or DrawParameters(), seed)


jurisdictions = st.builds(
    build_case,
    size=st.integers(30, 100_000),
    regime=st.sampled_from(["electronic", "security"]),
    mix_seed=st.integers(0, 2**32),
    direct_p=st.sampled_from([0.0, 0.01, 0.05, 0.3]),
    key_p=st.sampled_from([0.0, 0.01, 0.05]),
    security_p=st.sampled_from([0.01, 0.2, 0.6]),
    flagged_p=st.sampled_from([0.0, 0.02, 0.2]),
    recent_p=st.sampled_from([0.0, 0.08, 0.5]),
    n_officers=st.integers(4, 200),
    n_recusals=st.integers(0, 2_000),
    params=st.builds(
        DrawParameters,
        sampling_rate=st.sampled_from([0.06, 0.07, 0.08, 0.1]),
        complaint_weight=st.sampled_from([1.0, 2.0, 5.0]),
        repeat_cap_years=st.integers(0, 2),
        first_month=st.sampled_from([1, 1, 5, 12]),
        daily_rounds_per_month=st.integers(1, 2),
        daily_units_per_round=st.integers(2, 3),
    ),
    seed=st.text(min_size=1, max_size=30),
)


def _groups(result: DrawResult) -> dict[tuple[str, int], list]:
    """Officer assignments: a daily round is one assignment, every other entry its own."""
    out: dict[tuple[str, int], list] = {}
    for e in result.entries:
        key = ("round", e.round_no) if e.round_no else ("entry", e.position)
        out.setdefault(key, []).append(e)
    return out


def check_quotas(case: Case, result: DrawResult) -> None:
    units = {u.id: u for u in case.inputs.units}
    p = case.params
    by_kind: dict[str, list] = defaultdict(list)
    for e in result.entries:
        by_kind[e.kind].append(e)
        assert p.first_month <= e.month <= 12
    if case.inputs.regime == "electronic":
        sampled = [e.unit_id for e in by_kind["random_sampling"]]
        assert len(sampled) == len(set(sampled))
        direct_total = sum(1 for u in units.values() if u.district_direct)
        by_rate = math.ceil(Fraction(repr(p.sampling_rate)) * len(units))
        assert len(sampled) >= by_rate
        assert sum(1 for i in sampled if units[i].district_direct) >= min(
            p.min_direct, direct_total
        )
        key = sorted(e.unit_id for e in by_kind["key_unit"])
        assert key == sorted(i for i, u in units.items() if u.key_unit)
        special = {e.unit_id for e in by_kind["special"]}
        assert len(special) >= p.min_special
        assert not by_kind["daily"]
    else:
        assert all(units[e.unit_id].security for e in result.entries)
        rounds: dict[int, set[int]] = defaultdict(set)
        months: dict[int, set[int]] = defaultdict(set)
        for e in by_kind["daily"]:
            rounds[e.round_no].add(e.unit_id)
            months[e.month].add(e.round_no)
        assert all(len(members) >= p.daily_units_per_round for members in rounds.values())
        for month in range(p.first_month, 13):
            assert len(months[month]) >= p.daily_rounds_per_month
        special = by_kind["special"]
        assert len({e.unit_id for e in special}) >= p.security_campaigns * p.campaign_units
        assert len({e.month for e in special}) <= p.security_campaigns
        assert not by_kind["random_sampling"] and not by_kind["key_unit"]


def check_officers(case: Case, result: DrawResult) -> None:
    officers = {o.id: o for o in case.inputs.officers}
    recused = case.inputs.recusals
    load: Counter[int] = Counter()
    assignments = list(_groups(result).values())
    for entries in assignments:
        pairs = {e.officer_ids for e in entries}
        assert len(pairs) == 1, "a daily round has one pair of officers"
        pair = pairs.pop()
        assert len(pair) == 2 and pair[0] != pair[1]
        for e in entries:
            for officer in pair:
                assert (officer, e.unit_id) not in recused
                assert officers[officer].valid_for_month(YEAR, e.month)
        load.update(pair)
    # Officers eligible for every assignment stay within one of each other, and nobody is more
    # than one above the least loaded of them.
    always = [
        o
        for o in officers.values()
        if all(
            o.valid_for_month(YEAR, entries[0].month)
            and all((o.id, e.unit_id) not in recused for e in entries)
            for entries in assignments
        )
    ]
    if always:
        floor = min(load[o.id] for o in always)
        assert max(load[o.id] for o in always) <= floor + 1
        assert max(load.values(), default=0) <= floor + 1


@settings(max_examples=30, deadline=None)
@given(jurisdictions, st.text(min_size=1, max_size=30))
@example(build_case(100_000, "electronic", 1), "another seed")
@example(build_case(100_000, "security", 2, n_recusals=20_000), "another seed")
def test_every_quota_met_no_recused_pairing_and_reproducible(case: Case, other_seed: str) -> None:
    size = len(case.inputs.units)
    event(f"{case.inputs.regime}, units " + ("≥10,000" if size >= 10_000 else "<10,000"))
    result = draw(case.inputs, case.params, case.seed)
    assert result.version == ALGORITHM_VERSION
    assert [e.position for e in result.entries] == list(range(1, len(result.entries) + 1))
    check_quotas(case, result)
    check_officers(case, result)

    # Same seed, facts in another order and through their stored JSON form: the same plan.
    shuffled = list(case.inputs.units)
    random.Random(1).shuffle(shuffled)
    again = DrawInputs.from_json(
        DrawInputs(
            YEAR, case.inputs.regime, tuple(shuffled), tuple(reversed(case.inputs.officers)),
            case.inputs.recusals,
        ).to_json()
    )  # fmt: skip
    assert draw(again, case.params, case.seed).entries == result.entries

    if other_seed != case.seed:
        assert draw(case.inputs, case.params, other_seed).entries != result.entries


def _small(regime: str = "electronic", security_units: int = 10) -> DrawInputs:
    units = tuple(UnitFacts(i, i <= 12, i in (40, 41), i <= security_units) for i in range(1, 51))
    officers = tuple(OfficerFacts(k, None, date(YEAR + 1, 1, 1)) for k in range(1, 5))
    return DrawInputs(YEAR, regime, units, officers)


@pytest.mark.parametrize("rate", [0.05, 0.059, 0.11, 0.5])
def test_a_rate_outside_six_to_ten_percent_is_refused(rate: float) -> None:
    with pytest.raises(InvalidInput, match="sampling rate"):
        draw(_small(), DrawParameters(sampling_rate=rate), "s")


def test_a_minimum_cannot_be_lowered() -> None:
    with pytest.raises(InvalidInput, match="direct units sampled: at least 10"):
        draw(_small(), DrawParameters(min_direct=5), "s")


def test_too_few_security_units_is_refused_not_drawn_short() -> None:
    with pytest.raises(InvalidInput, match="Only 1 units meet the archive-security criteria"):
        draw(_small("security", security_units=1), DrawParameters(), "s")


def test_no_two_free_officers_names_the_unit() -> None:
    inputs = _small()
    recused = frozenset((k, 40) for k in (1, 2, 3))  # key unit 40: only officer 4 is free
    with pytest.raises(InvalidInput, match="#40"):
        draw(
            DrawInputs(YEAR, "electronic", inputs.units, inputs.officers, recused),
            DrawParameters(),
            "s",
        )


def test_sampling_of_a_small_district_grows_to_ten_direct_units() -> None:
    result = draw(_small(), DrawParameters(), "s")
    sampled = [e.unit_id for e in result.entries if e.kind == "random_sampling"]
    assert len(sampled) == 10  # ceil(0.08 × 50) = 4 < 10 direct units required
    assert all(i <= 12 for i in sampled)


def test_recently_drawn_units_wait_unless_needed() -> None:
    recent = {i: YEAR - 1 for i in range(1, 9)}  # 8 of the 12 direct units drawn last year
    units = tuple(UnitFacts(i, i <= 12, False, False, False, recent.get(i)) for i in range(1, 101))
    officers = tuple(OfficerFacts(k, None, date(YEAR + 1, 1, 1)) for k in range(1, 5))
    inputs = DrawInputs(YEAR, "electronic", units, officers)
    sampled = {e.unit_id for e in draw(inputs, DrawParameters(), "s").entries}
    assert {9, 10, 11, 12} <= sampled  # every fresh direct unit first
    assert len(sampled & set(recent)) == 6  # and only as many repeats as the minimum needs


def test_the_repeat_cap_keeps_last_years_units_out_when_others_suffice() -> None:
    units = tuple(
        UnitFacts(i, False, False, False, False, YEAR - 1 if i <= 200 else None)
        for i in range(1, 1001)
    )
    officers = tuple(OfficerFacts(k, None, date(YEAR + 1, 1, 1)) for k in range(1, 5))
    inputs = DrawInputs(YEAR, "electronic", units, officers)

    def sampled(params: DrawParameters) -> set[int]:
        return {e.unit_id for e in draw(inputs, params, "s").entries if e.kind == "random_sampling"}

    assert len(sampled(DrawParameters())) == 80
    assert not sampled(DrawParameters()) & set(range(1, 201))
    assert sampled(DrawParameters(repeat_cap_years=0)) & set(range(1, 201))
    assert not sampled(DrawParameters(repeat_cap_years=2)) & set(range(1, 201))


def test_flagged_units_are_drawn_more_often() -> None:
    units = tuple(UnitFacts(i, False, False, False, i <= 500) for i in range(1, 5001))
    officers = tuple(OfficerFacts(k, None, date(YEAR + 1, 1, 1)) for k in range(1, 5))
    inputs = DrawInputs(YEAR, "electronic", units, officers)
    hits = [0, 0]
    for n in range(20):
        for e in draw(inputs, DrawParameters(complaint_weight=5.0), f"s{n}").entries:
            if e.kind == "random_sampling":
                hits[e.unit_id <= 500] += 1
    # 10% of units flagged with weight 5: about a third of the sample, well above 10%.
    assert hits[1] / sum(hits) > 0.25
