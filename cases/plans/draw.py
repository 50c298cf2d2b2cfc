"""The yearly 双随机 draw itself (年度检查计划的随机抽取), pure: facts in, plan out, no database.

Why pure: the draw must be re-runnable by anyone from what was recorded — the seed, the algorithm
version, the parameters and the facts it read (DESIGN §3, LAW.md 双随机: precedents film the
lottery; we record a seed). Everything random comes from one ``random.Random`` seeded with
``sha256(f"{version}:{seed}")``, consumed in a fixed order over units sorted by id, so the order
the database returns rows in never matters, and the same inputs + seed give the same plan.

The rules (seed 电子档案 三、; 档案安全 三、; DESIGN §3), and the choices where they are silent:

Electronic archives (电子档案事项监管)
    * every key monitored unit (重点监控单位) gets an on-site inspection (``key_unit``), spread
      evenly over the schedulable months;
    * random sampling (``random_sampling``, 抽查): ``ceil(rate × units in the jurisdiction)``
      units, rate 6–10 %, of which ``min(min_direct, direct units)`` district-government direct
      units (区政府直属, all of them when fewer exist) — when that minimum is larger than the
      rate's count, the sample grows to it (a small district samples more than 10 %). Key units
      rank after all others (they are inspected on site anyway): one is sampled only when the
      direct-unit minimum cannot be met without it;
    * special inspections (``special``, 专项检查) of at least ``min_special`` units, chosen among
      units neither sampled nor key units when there are enough, else among the rest.
Archive security (档案安全事项监管) — only units meeting the regime's criteria
    * every month from ``first_month`` to December, ``daily_rounds_per_month`` daily-check rounds
      (``daily``) of ``daily_units_per_round`` units each; the entries of a round share its
      ``round_no`` and one pair of officers. Units are taken in a weighted random order, cycling,
      so every unit is covered once before any is covered twice;
    * ``security_campaigns`` special campaigns (``special``, 专项检查), each of
      ``campaign_units`` units in one randomly chosen month.

Weighting and the repeat cap (国办发〔2015〕58号 allows higher rates for units with complaints or
a bad record): a flagged unit's weight is ``complaint_weight``; sampling without replacement uses
Efraimidis–Spirakis keys (priority ``Exp(1)/weight``, smallest first). A unit drawn by this
regime's random selection in one of the previous ``repeat_cap_years`` years ranks after every
unit that was not, so it is drawn again only when needed to meet a quota.

Officers (双随机's second lottery): each entry — each daily round — gets two officers, drawn among
those whose credential (行政执法证件, 条例 art 47) is valid for the *whole* scheduled month (the day
is not fixed yet) and who are not recused (回避) from the unit (from any unit of a round). The pick
is the least-loaded eligible officer with a random tie-break, twice; this keeps every officer's
count within one of every officer who was eligible for every entry. Months with fewer than two
valid officers are not scheduled (archive security needs every month: refused instead).

A jurisdiction that cannot meet a quota is refused with a precise ``InvalidInput`` — a short plan
is never drawn.

Floating point: priorities use IEEE-754 doubles and ``math.log``; a one-ulp difference between
platforms could only swap two units whose priorities agree to 16 digits. The version pins it.
"""

from __future__ import annotations

import calendar
import hashlib
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any, NamedTuple

from cases.core.chain import canonical_json
from cases.core.errors import InvalidInput
from cases.core.vocabulary import InspectionKind, Regime

#: Bump when anything below changes what a seed draws; old plans keep their version and
#: ``ALGORITHMS`` keeps every version that has plans, so they stay verifiable.
ALGORITHM_VERSION = 1

#: The seed's sampling band for electronic archives (抽查比例 6%–10%).
RATE_MIN = Fraction(6, 100)
RATE_MAX = Fraction(10, 100)

#: Order of kinds inside a month in the plan's list (and in the published list).
KIND_ORDER = {
    InspectionKind.KEY_UNIT.value: 0,
    InspectionKind.RANDOM_SAMPLING.value: 1,
    InspectionKind.SPECIAL.value: 2,
    InspectionKind.DAILY.value: 3,
}

#: Which past entries the repeat cap looks at: the regime's random selections.
CAPPED_KINDS: dict[str, str] = {
    Regime.ELECTRONIC.value: InspectionKind.RANDOM_SAMPLING.value,
    Regime.SECURITY.value: InspectionKind.DAILY.value,
}


# ---- inputs --------------------------------------------------------------------------------


class UnitFacts(NamedTuple):
    """What the draw knows about one supervised unit (a NamedTuple: a draw builds 100,000 of
    them, three times faster than frozen dataclasses)."""

    id: int
    district_direct: bool = False  # 区政府直属
    key_unit: bool = False  # 重点监控单位
    security: bool = False  # meets the archive-security criteria (any of the three)
    #: Complaints in the last year or a bad record: weight ``complaint_weight``.
    flagged: bool = False
    #: Latest year (before the plan's) in which this regime's random selection drew it.
    last_drawn_year: int | None = None


@dataclass(frozen=True)
class OfficerFacts:
    """An enforcement officer and the days their credential is valid."""

    id: int
    credential_from: date | None
    credential_to: date

    def valid_for_month(self, year: int, month: int) -> bool:
        """Valid on every day of the month: the inspection day is not fixed by the plan."""
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        return (self.credential_from is None or self.credential_from <= first) and (
            self.credential_to >= last
        )


@dataclass(frozen=True)
class DrawInputs:
    """Everything the draw reads, in a form that stores as canonical JSON and back."""

    year: int
    regime: str
    units: tuple[UnitFacts, ...]
    officers: tuple[OfficerFacts, ...]
    #: (officer_id, unit_id) pairs that must never be paired (回避).
    recusals: frozenset[tuple[int, int]] = frozenset()

    def to_json(self) -> dict[str, Any]:
        """Column-wise and sorted: compact for 100,000 units, one text per set of facts."""
        units = sorted(self.units, key=lambda u: u.id)
        return {
            "year": self.year,
            "regime": self.regime,
            "units": [u.id for u in units],
            "district_direct": [u.id for u in units if u.district_direct],
            "key_units": [u.id for u in units if u.key_unit],
            "security": [u.id for u in units if u.security],
            "flagged": [u.id for u in units if u.flagged],
            "last_drawn": [[u.id, u.last_drawn_year] for u in units if u.last_drawn_year],
            "officers": [
                [
                    o.id,
                    o.credential_from.isoformat() if o.credential_from else None,
                    o.credential_to.isoformat(),
                ]
                for o in sorted(self.officers, key=lambda o: o.id)
            ],
            "recusals": [list(p) for p in sorted(self.recusals)],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DrawInputs:
        """Rebuild stored inputs; refuse a malformed document (e.g. edited by hand)."""
        try:
            direct = set(data["district_direct"])
            key = set(data["key_units"])
            security = set(data["security"])
            flagged = set(data["flagged"])
            last = {int(u): int(y) for u, y in data["last_drawn"]}
            ids = data["units"]
            if not all(type(i) is int for i in ids):
                raise ValueError("unit ids must be integers")
            make = UnitFacts._make
            units = tuple(
                make((i, i in direct, i in key, i in security, i in flagged, last.get(i)))
                for i in ids
            )
            officers = tuple(
                OfficerFacts(
                    id=int(i),
                    credential_from=date.fromisoformat(f) if f else None,
                    credential_to=date.fromisoformat(t),
                )
                for i, f, t in data["officers"]
            )
            recusals = frozenset((int(o), int(u)) for o, u in data["recusals"])
            return cls(int(data["year"]), str(data["regime"]), units, officers, recusals)
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(
                f"保存的抽取输入格式有误：{exc}", f"The stored draw inputs are malformed: {exc}"
            ) from exc


@dataclass(frozen=True)
class DrawParameters:
    """The draw's settings, stored with the plan (``InspectionPlan.parameters``).

    The seed's figures are floors: a parameter may raise a minimum, never lower it.
    """

    sampling_rate: float = 0.08
    min_direct: int = 10
    min_special: int = 2
    daily_rounds_per_month: int = 1
    daily_units_per_round: int = 2
    security_campaigns: int = 1
    campaign_units: int = 2
    complaint_weight: float = 2.0
    repeat_cap_years: int = 1
    #: First month scheduled (a plan drawn in March for the current year starts in March).
    first_month: int = 1

    def validate(self) -> None:
        problems: list[tuple[str, str]] = []
        if (
            not _number(self.sampling_rate)
            or not RATE_MIN <= _exact(self.sampling_rate) <= RATE_MAX
        ):
            problems.append(
                (
                    f"抽查比例须在6%至10%之间（现为{self.sampling_rate}）",
                    f"the sampling rate must be between 0.06 and 0.10 (got {self.sampling_rate})",
                )
            )
        floors = {
            "min_direct": (10, "区政府直属单位抽查数", "direct units sampled"),
            "min_special": (2, "专项检查单位数", "special-inspection units"),
            "daily_rounds_per_month": (1, "每月日常检查次数", "daily checks a month"),
            "daily_units_per_round": (2, "每次日常检查单位数", "units per daily check"),
            "security_campaigns": (1, "专项检查次数", "special campaigns"),
            "campaign_units": (1, "专项检查单位数", "units per special campaign"),
        }
        for name, (floor, zh, en) in floors.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < floor:
                problems.append((f"{zh}不得少于{floor}（现为{value}）", f"{en}: at least {floor}"))
        if not _number(self.complaint_weight) or not 1.0 <= self.complaint_weight <= 10.0:
            problems.append(
                ("投诉或不良记录权重须在1至10之间", "complaint_weight must be between 1 and 10")
            )
        if not isinstance(self.repeat_cap_years, int) or not 0 <= self.repeat_cap_years <= 5:
            problems.append(("重复抽取限制年数须在0至5之间", "repeat_cap_years must be 0–5"))
        if not isinstance(self.first_month, int) or not 1 <= self.first_month <= 12:
            problems.append(("起始月份须在1至12之间", "first_month must be 1–12"))
        if problems:
            raise InvalidInput("；".join(p[0] for p in problems), "; ".join(p[1] for p in problems))

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DrawParameters:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _exact(rate: float) -> Fraction:
    """The rate as written (0.07 is 7/100, not the binary float just above it)."""
    return Fraction(repr(float(rate)))


# ---- result --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawnEntry:
    position: int
    unit_id: int
    kind: str
    month: int
    round_no: int | None
    officer_ids: tuple[int, ...]

    def as_row(self) -> list[Any]:
        return [
            self.position,
            self.unit_id,
            self.kind,
            self.month,
            self.round_no,
            list(self.officer_ids),
        ]


@dataclass(frozen=True)
class QuotaCheck:
    """One quota of the seed, what it required of this jurisdiction and what was drawn."""

    label_zh: str
    label_en: str
    required: int
    drawn: int


@dataclass(frozen=True)
class DrawResult:
    version: int
    entries: tuple[DrawnEntry, ...]
    quotas: tuple[QuotaCheck, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "entries": [e.as_row() for e in self.entries]}


def digest(value: Any, algorithm: str) -> str:
    """SM3 (or SHA-256) of the canonical JSON text (cases.core.chain)."""
    return hashlib.new(algorithm, canonical_json(value).encode("utf-8")).hexdigest()


class PairingImpossible(InvalidInput):
    """No two eligible officers for an entry; carries the units and month so the caller can
    name them."""

    def __init__(self, unit_ids: Sequence[int], month: int) -> None:
        units = "、".join(f"#{u}" for u in unit_ids)
        super().__init__(
            f"无法为单位{units}（{month}月）抽取两名证件有效且无需回避的执法人员",
            f"No two officers with valid credentials and no recusal for unit(s) {units} "
            f"in month {month}",
        )
        self.unit_ids = tuple(unit_ids)
        self.month = month


# ---- the draw ------------------------------------------------------------------------------


def rng_for(seed: str, version: int = ALGORITHM_VERSION) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(f"{version}:{seed}".encode()).digest()))


def draw(inputs: DrawInputs, params: DrawParameters, seed: str) -> DrawResult:
    """Draw the year's plan for one regime (version ``ALGORITHM_VERSION``)."""
    return ALGORITHMS[ALGORITHM_VERSION](inputs, params, seed)


def _draw_v1(inputs: DrawInputs, params: DrawParameters, seed: str) -> DrawResult:
    params.validate()
    regime = Regime(inputs.regime)
    rng = rng_for(seed, 1)
    units = sorted(inputs.units, key=lambda u: u.id)
    pairing = _Pairing(inputs.officers, inputs.year, inputs.recusals)
    months = [m for m in range(params.first_month, 13) if pairing.valid_count(m) >= 2]
    if regime == Regime.ELECTRONIC:
        groups, quotas = _electronic(units, params, inputs.year, months, rng)
    else:
        groups, quotas = _security(units, params, inputs.year, months, rng)
    # The plan's order: month, kind, round, unit — officers are paired in that order.
    groups.sort(key=lambda g: (g[1], KIND_ORDER[g[0]], g[2] or 0, g[3][0]))
    entries: list[DrawnEntry] = []
    for kind, month, round_no, unit_ids in groups:
        pair = pairing.pick_pair(month, unit_ids, rng)
        if pair is None:
            raise PairingImpossible(unit_ids, month)
        for unit_id in unit_ids:
            entries.append(DrawnEntry(len(entries) + 1, unit_id, kind, month, round_no, pair))
    return DrawResult(1, tuple(entries), tuple(quotas))


#: Added to the priority of a unit drawn within the repeat cap: larger than any Exp(1)/weight
#: (a double's Exp(1) from ``random()`` is below 40), so such units come after all others.
_RECENT = 1e6

#: (kind, month, round_no, unit ids) — one officer pair per group.
_Group = tuple[str, int, int | None, tuple[int, ...]]


def _priorities(
    units: Sequence[UnitFacts],
    params: DrawParameters,
    year: int,
    rng: random.Random,
    *,
    demote_key_units: bool = False,
) -> dict[int, float]:
    """Efraimidis–Spirakis priority per unit (smaller first): Exp(1)/weight, plus tiers that put
    units drawn within the repeat cap after all others, and key units (when demoted) after
    those. One random number per unit, in id order."""
    cap_from = year - params.repeat_cap_years if params.repeat_cap_years else year
    weight = float(params.complaint_weight)
    log, draw_one = math.log, rng.random
    out: dict[int, float] = {}
    for u in units:
        p = -log(1.0 - draw_one())
        if u.flagged:
            p /= weight
        if u.last_drawn_year is not None and cap_from <= u.last_drawn_year < year:
            p += _RECENT
        if demote_key_units and u.key_unit:
            p += 2 * _RECENT
        out[u.id] = p
    return out


def _spread(ids: Iterable[int], months: Sequence[int], rng: random.Random) -> list[int]:
    """Months for ``ids`` (taken in id order), evenly over ``months`` in a random order."""
    order = sorted(ids)
    rng.shuffle(order)
    by_id = {unit_id: months[i % len(months)] for i, unit_id in enumerate(order)}
    return [by_id[i] for i in sorted(by_id)]


def _need_months(months: Sequence[int]) -> None:
    if not months:
        raise InvalidInput(
            "计划年度内没有任何月份有两名证件有效的执法人员",
            "No month of the year has two officers with valid credentials",
        )


def _electronic(
    units: list[UnitFacts], params: DrawParameters, year: int, months: list[int], rng: random.Random
) -> tuple[list[_Group], list[QuotaCheck]]:
    if not units:
        raise InvalidInput("辖区内没有被监管单位", "The jurisdiction has no units")
    _need_months(months)
    groups: list[_Group] = []
    key = [u.id for u in units if u.key_unit]
    for unit_id, month in zip(key, _spread(key, months, rng), strict=True):
        groups.append((InspectionKind.KEY_UNIT.value, month, None, (unit_id,)))

    direct = {u.id for u in units if u.district_direct}
    by_rate = math.ceil(_exact(params.sampling_rate) * len(units))
    min_direct = min(params.min_direct, len(direct))
    count = max(by_rate, min_direct)
    prio = _priorities(units, params, year, rng, demote_key_units=True)
    order = sorted(prio, key=prio.__getitem__)  # stable: ties keep id order
    sampled = [i for i in order if i in direct][:min_direct]
    taken = set(sampled)
    for unit_id in order:
        if len(sampled) >= count:
            break
        if unit_id not in taken:
            sampled.append(unit_id)
            taken.add(unit_id)
    sampled_direct = sum(1 for i in sampled if i in direct)
    for unit_id, month in zip(sorted(sampled), _spread(sampled, months, rng), strict=True):
        groups.append((InspectionKind.RANDOM_SAMPLING.value, month, None, (unit_id,)))

    if len(units) < params.min_special:
        raise InvalidInput(
            f"专项检查须{params.min_special}家，但辖区仅{len(units)}家单位",
            f"Special inspections need {params.min_special} units; the jurisdiction has "
            f"{len(units)}",
        )
    busy = taken | set(key)
    fresh = [u.id for u in units if u.id not in busy]
    if len(fresh) >= params.min_special:
        special = rng.sample(fresh, params.min_special)
    else:
        rest = [u.id for u in units if u.id in busy]
        special = fresh + rng.sample(rest, params.min_special - len(fresh))
    for unit_id in sorted(special):
        groups.append((InspectionKind.SPECIAL.value, rng.choice(months), None, (unit_id,)))

    quotas = [
        QuotaCheck("抽查单位数", "Units sampled", max(by_rate, min_direct), len(sampled)),
        QuotaCheck("其中区政府直属单位", "of which district direct", min_direct, sampled_direct),
        QuotaCheck("重点监控单位现场检查", "Key units on site", len(key), len(key)),
        QuotaCheck("专项检查单位数", "Special-inspection units", params.min_special, len(special)),
    ]
    return groups, quotas


def _security(
    units: list[UnitFacts], params: DrawParameters, year: int, months: list[int], rng: random.Random
) -> tuple[list[_Group], list[QuotaCheck]]:
    pool = [u for u in units if u.security]
    per_round = params.daily_units_per_round
    if len(pool) < max(per_round, params.campaign_units):
        need = max(per_round, params.campaign_units)
        raise InvalidInput(
            f"档案安全事项监管对象仅{len(pool)}家，每次日常检查或专项检查须{need}家",
            f"Only {len(pool)} units meet the archive-security criteria; a check needs {need}",
        )
    missing = [m for m in range(params.first_month, 13) if m not in months]
    if missing:
        listed = "、".join(f"{m}月" for m in missing)
        raise InvalidInput(
            f"{listed}没有两名证件有效的执法人员，无法安排每月日常检查",
            f"Months {missing} have no two officers with valid credentials for the daily checks",
        )
    prio = _priorities(pool, params, year, rng)
    cycle = sorted(prio, key=prio.__getitem__)
    groups: list[_Group] = []
    at = 0
    round_no = 0
    for month in months:
        for _ in range(params.daily_rounds_per_month):
            round_no += 1
            members = tuple(cycle[(at + j) % len(cycle)] for j in range(per_round))
            at += per_round
            groups.append((InspectionKind.DAILY.value, month, round_no, members))
    pool_ids = [u.id for u in pool]
    campaign: set[int] = set()
    for _ in range(params.security_campaigns):
        month = rng.choice(months)
        free = [i for i in pool_ids if i not in campaign]
        if len(free) < params.campaign_units:
            free = pool_ids
        for unit_id in sorted(rng.sample(free, params.campaign_units)):
            campaign.add(unit_id)
            groups.append((InspectionKind.SPECIAL.value, month, None, (unit_id,)))
    rounds = len(months) * params.daily_rounds_per_month
    quotas = [
        QuotaCheck("日常检查次数", "Daily-check rounds", rounds, round_no),
        QuotaCheck("每次日常检查单位数", "Units per daily check", per_round, per_round),
        QuotaCheck(
            "专项检查单位数",
            "Special-campaign units",
            params.security_campaigns * params.campaign_units,
            params.security_campaigns * params.campaign_units,
        ),
    ]
    return groups, quotas


class _Pairing:
    """Least-loaded officer pairs with a random tie-break, in O(1) per pick in the usual case:
    officers sit in buckets by load; a pick starts at a random place in the lowest bucket."""

    def __init__(
        self, officers: Iterable[OfficerFacts], year: int, recusals: Iterable[tuple[int, int]]
    ) -> None:
        ordered = sorted(officers, key=lambda o: o.id)
        self.valid = {
            o.id: {m for m in range(1, 13) if o.valid_for_month(year, m)} for o in ordered
        }
        self.recused: dict[int, set[int]] = {}
        for officer_id, unit_id in recusals:
            self.recused.setdefault(officer_id, set()).add(unit_id)
        self.load = {o.id: 0 for o in ordered}
        self.buckets: list[list[int]] = [[o.id for o in ordered]]
        self.index = {o.id: i for i, o in enumerate(ordered)}
        self.low = 0

    def valid_count(self, month: int) -> int:
        return sum(1 for months in self.valid.values() if month in months)

    def pick_pair(
        self, month: int, unit_ids: Sequence[int], rng: random.Random
    ) -> tuple[int, int] | None:
        first = self._pick(month, unit_ids, None, rng)
        if first is None:
            return None
        second = self._pick(month, unit_ids, first, rng)
        if second is None:
            return None
        self._bump(first)
        self._bump(second)
        return (first, second) if first < second else (second, first)

    def _eligible(self, officer: int, month: int, unit_ids: Sequence[int]) -> bool:
        if month not in self.valid[officer]:
            return False
        recused = self.recused.get(officer)
        return not recused or not any(u in recused for u in unit_ids)

    def _pick(
        self, month: int, unit_ids: Sequence[int], exclude: int | None, rng: random.Random
    ) -> int | None:
        for load in range(self.low, len(self.buckets)):
            bucket = self.buckets[load]
            n = len(bucket)
            if not n or (n == 1 and bucket[0] == exclude):
                continue
            start = int(rng.random() * n)  # a random place to start (n ≤ officers)
            for k in range(n):
                officer = bucket[(start + k) % n]
                if officer != exclude and self._eligible(officer, month, unit_ids):
                    return officer
        return None

    def _bump(self, officer: int) -> None:
        load = self.load[officer]
        bucket = self.buckets[load]
        i = self.index[officer]
        last = bucket.pop()
        if last != officer:
            bucket[i] = last
            self.index[last] = i
        if load + 1 == len(self.buckets):
            self.buckets.append([])
        self.buckets[load + 1].append(officer)
        self.index[officer] = len(self.buckets[load + 1]) - 1
        self.load[officer] = load + 1
        while self.low < len(self.buckets) - 1 and not self.buckets[self.low]:
            self.low += 1


#: Every algorithm version that has plans, so ``verify`` can re-run an old plan.
ALGORITHMS = {1: _draw_v1}
