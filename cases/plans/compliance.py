"""The year's compliance report (检查指标完成情况): every quota of DESIGN §3 with its target,
what is done, what remains, and whether the authority is on track for today's date.

Quotas (seed 电子档案 三(一)(二), 安全 三(一)(二)):

- electronic 抽查: ``ceil(rate × units)`` units, rate 6–10% (plan's ``sampling_rate``, default
  0.08), of which ≥10 district-government direct units (``min_direct``; all of them when fewer
  exist) — the sample is never smaller than its direct part;
- electronic 重点监控单位: every key unit inspected on site (kind ``key_unit``) once a year;
- electronic 专项检查: ≥2 units a year (``min_special``);
- security 日常检查: each month ≥1 check (``daily_rounds_per_month``) covering ≥2 units
  (``daily_units_per_round``); a check is one day's security daily inspections, exactly the rule
  of :mod:`cases.plans.quota_watch`; with no security-regime unit a month is met;
- security 专项检查: one campaign a year (``security_campaigns``); with no campaign id on an
  inspection, the security special inspections of one calendar month count as one campaign;
- complaint inspections: as they come, no target — counted.

Done means an inspection in the year with status ``recorded``, ``signed`` or ``archived``:
``recorded`` counts because the check has been carried out and written down; signatures (or a
recorded refusal) follow and must not make a quota look behind. Units are counted once per quota
(a unit sampled twice is one sampled unit).

Targets are fixed by the plan: with a plan, the unit counts behind a target (units, district-direct
units, key units, the security-regime units) come from the register the plan recorded when it was
drawn (``InspectionPlan.inputs``), so units imported or designated afterwards do not move the
year's target (they count from next year's plan). Without a plan — or a plan recorded without its
register — the counts come from today's registry, and the row says so.

On track, for the current year: with a plan for the regime, every plan entry whose month has
ended must be done (its linked inspection, or a done inspection of that kind at that unit this
year); without one (or when the plan schedules none of that kind),
``done ≥ floor(target × ended months / 12)``. Daily checks are judged month by month (every
ended month met), not by the plan's individual daily-check entries. Past years: the target met.
Future years: nothing is due yet.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cases.core.clock import local_date, utcnow
from cases.core.errors import InvalidInput
from cases.core.vocabulary import InspectionKind, Regime
from cases.models import Authority, Inspection, InspectionPlan, PlanEntry, Unit
from workflows.inspection_machine import RECORDED_STATES

DEFAULT_PARAMETERS: dict[str, Any] = {
    "sampling_rate": 0.08,
    "min_direct": 10,
    "min_special": 2,
    "daily_rounds_per_month": 1,
    "daily_units_per_round": 2,
    "security_campaigns": 1,
}

LABELS: dict[str, tuple[str, str]] = {
    "random_sampling": ("抽查（辖区单位6%–10%）", "Random sampling (6–10% of units)"),
    "random_sampling_direct": (
        "其中区政府直属单位（不少于10家）",
        "of which district-government direct units (≥10)",
    ),
    "key_unit": ("重点监控单位每年现场检查一次", "Key units: on site once a year"),
    "special": ("专项检查（每年不少于2家）", "Special inspections (≥2 units a year)"),
    "daily_checks": (
        "日常检查（每月不少于1次，每次不少于2家）",
        "Daily checks (≥1 a month, ≥2 units each)",
    ),
    "security_campaign": ("专项检查（每年一次）", "Special campaign (once a year)"),
    "complaint": ("投诉举报检查（随报随查）", "Complaint inspections (as they come)"),
}

MONTH_STATUSES = {
    "met": ("达标", "met"),
    "short": ("未达标", "short"),
    "in_progress": ("本月进行中", "in progress"),
    "not_yet_due": ("未到期", "not yet due"),
}


@dataclass(frozen=True)
class QuotaRow:
    key: str
    regime: str
    label_zh: str
    label_en: str
    #: ``None`` for complaint inspections (no target).
    target: int | None
    done: int
    remaining: int | None
    #: How many should be done by today (plan entries whose month has ended, or pro rata).
    expected: int | None
    on_track: bool | None
    why_zh: str
    why_en: str


@dataclass(frozen=True)
class MonthRow:
    """One month of archive-security daily checks."""

    month: int
    #: Days with at least one security daily check (each day's checks are one round).
    rounds: int
    #: Rounds that covered enough units (``daily_units_per_round``).
    full_rounds: int
    #: Distinct units checked in the month, and the most in one round.
    units_covered: int
    largest_round: int
    #: ``met``, ``short``, ``in_progress`` (the current month, not yet met) or ``not_yet_due``.
    status: str
    met: bool | None


@dataclass
class ComplianceReport:
    authority_id: int
    year: int
    today: date
    regimes: tuple[str, ...]
    #: regime → the plan the targets came from (``None``: defaults and the registry).
    plan_ids: dict[str, int | None]
    rows: list[QuotaRow] = field(default_factory=list)
    months: list[MonthRow] = field(default_factory=list)

    def row(self, key: str, regime: str | None = None) -> QuotaRow:
        """The row of a quota (``complaint`` needs its regime when both are reported)."""
        found = [r for r in self.rows if r.key == key and regime in (None, r.regime)]
        if len(found) != 1:
            raise KeyError(key if regime is None else (key, regime))
        return found[0]


def compliance(
    session: Session,
    authority: Authority,
    year: int,
    *,
    regime: str | None = None,
    today: date | None = None,
) -> ComplianceReport:
    """The quotas of ``year`` for ``authority`` (one regime or both) as of ``today``
    (Asia/Shanghai; default: today)."""
    if regime is not None and regime not in {r.value for r in Regime}:
        raise InvalidInput(f"监管事项无效：{regime}", f"Unknown regime: {regime}")
    if not 2000 <= year <= 2100:
        raise InvalidInput(f"年份无效：{year}", f"Not a plausible year: {year}")
    today = today or local_date(utcnow())
    regimes = (regime,) if regime else (Regime.ELECTRONIC.value, Regime.SECURITY.value)
    ctx = _Context(session, authority.id, year, today)
    report = ComplianceReport(authority.id, year, today, regimes, {})
    for name in regimes:
        plan = session.scalar(
            select(InspectionPlan).where(
                InspectionPlan.authority_id == authority.id,
                InspectionPlan.year == year,
                InspectionPlan.regime == name,
            )
        )
        report.plan_ids[name] = plan.id if plan is not None else None
        params = {**DEFAULT_PARAMETERS, **(plan.parameters if plan is not None else {})}
        if name == Regime.ELECTRONIC:
            report.rows += _electronic_rows(ctx, plan, params)
        else:
            months = _months(ctx, plan, params)
            report.months = months
            report.rows += _security_rows(ctx, plan, params, months)
        report.rows.append(_complaint_row(ctx, name))
    return report


# ---- the data one report reads ------------------------------------------------------------


class _Context:
    def __init__(self, session: Session, authority_id: int, year: int, today: date) -> None:
        self.session, self.authority_id, self.year, self.today = session, authority_id, year, today
        #: ``past``, ``current`` or ``future``, and the months that have ended by ``today``.
        if year < today.year:
            self.phase, self.ended = "past", 12
        elif year > today.year:
            self.phase, self.ended = "future", 0
        else:
            self.phase, self.ended = "current", today.month - 1

    def units(self, *conditions: Any) -> list[Unit]:
        return list(
            self.session.scalars(
                select(Unit).where(Unit.authority_id == self.authority_id, *conditions)
            )
        )

    def done(self, regime: str, kind: str) -> list[tuple[int, date]]:
        """(unit, date) of the done inspections of a kind in the year."""
        return [
            (unit_id, day)
            for unit_id, day in self.session.execute(
                select(Inspection.unit_id, Inspection.inspection_date).where(
                    Inspection.authority_id == self.authority_id,
                    Inspection.regime == regime,
                    Inspection.kind == kind,
                    Inspection.status.in_(RECORDED_STATES),
                    Inspection.inspection_date >= date(self.year, 1, 1),
                    Inspection.inspection_date <= date(self.year, 12, 31),
                )
            )
        ]


@dataclass(frozen=True)
class _Register:
    """The units a regime's targets are counted on, and where that list came from."""

    units: frozenset[int]
    direct: frozenset[int]
    key_units: frozenset[int]
    basis_zh: str
    basis_en: str


def _register(ctx: _Context, plan: InspectionPlan | None, regime: str) -> _Register:
    """The register the plan recorded at its draw, else today's registry."""
    recorded = plan.inputs if plan is not None else None
    if recorded and "units" in recorded:
        drawn = local_date(plan.drawn_at).isoformat() if plan is not None else ""
        return _Register(
            frozenset(recorded["units"]), frozenset(recorded.get("district_direct", ())),
            frozenset(recorded.get("key_units", ())),
            f"依据年度计划#{plan.id}（{drawn}抽取时的名录）" if plan else "",
            f"plan #{plan.id} (register as drawn on {drawn})" if plan else "",
        )  # fmt: skip
    units = ctx.units(*((_SECURITY_FLAG,) if regime == Regime.SECURITY else ()))
    if plan is not None:
        basis_zh, basis_en = (
            f"依据年度计划#{plan.id}；当前名录",
            f"plan #{plan.id}; today's register",
        )
    else:
        basis_zh, basis_en = "默认参数；当前名录", "defaults; today's register"
    return _Register(
        frozenset(u.id for u in units), frozenset(u.id for u in units if u.is_district_direct),
        frozenset(u.id for u in units if u.is_key_unit), basis_zh, basis_en,
    )  # fmt: skip


_SECURITY_FLAG = or_(
    Unit.holds_national_catalog, Unit.holds_long_term, Unit.runs_sensitive_database
)


def _ceil(rate: Any, units: int) -> int:
    """``ceil(rate × units)`` in decimal, so 0.07 × 100 is 7, not 8 (binary floating point)."""
    return int((Decimal(str(rate)) * units).to_integral_value(rounding=ROUND_CEILING))


def _yearly(
    ctx: _Context,
    key: str,
    regime: str,
    target: int,
    done: int,
    entries: list[PlanEntry] | None,
    entry_done: set[int],
    unit_names: dict[int, str],
    basis_zh: str,
    basis_en: str,
) -> QuotaRow:
    """A yearly quota's row, judged against the plan's ended entries or pro rata."""
    label_zh, label_en = LABELS[key]
    remaining = max(target - done, 0)
    if ctx.phase == "past":
        expected, on_track = target, done >= target
        why_zh = f"{ctx.year}年已结束：完成{done}，目标{target}（{basis_zh}）"
        why_en = f"{ctx.year} is over: {done} done of {target} ({basis_en})"
    elif ctx.phase == "future":
        expected, on_track = 0, True
        why_zh, why_en = f"尚未开始（{basis_zh}）", f"Not started yet ({basis_en})"
    elif entries is not None:
        due = [e for e in entries if e.month <= ctx.ended]
        late = [e for e in due if e.id not in entry_done]
        expected, on_track = len(due), not late
        why_zh = f"按计划已到期{len(due)}项，未完成{len(late)}项"
        why_en = f"{len(due)} plan entries due by now, {len(late)} not done"
        if late:
            names = "、".join(
                f"{unit_names.get(e.unit_id, e.unit_id)}（{e.month}月）" for e in late
            )
            why_zh += f"：{names}"
            why_en += ": " + ", ".join(f"unit {e.unit_id} (month {e.month})" for e in late)
        why_zh += f"（{basis_zh}）"
        why_en += f" ({basis_en})"
    else:
        expected = target * ctx.ended // 12
        on_track = done >= expected
        why_zh = f"无年度计划，按月均摊：已过{ctx.ended}个月，应完成{expected}，已完成{done}（{basis_zh}）"
        why_en = (
            f"No plan; pro rata for {ctx.ended} ended months: {expected} expected,"
            f" {done} done ({basis_en})"
        )
    return QuotaRow(
        key, regime, label_zh, label_en, target, done, remaining, expected, on_track, why_zh, why_en
    )


def _plan_entries(plan: InspectionPlan | None, kind: str) -> list[PlanEntry] | None:
    """The plan's entries of a kind; ``None`` (judge pro rata) when it schedules none."""
    if plan is None:
        return None
    return [e for e in plan.entries if e.kind == kind] or None


def _entries_done(ctx: _Context, entries: list[PlanEntry] | None, done_units: set[int]) -> set[int]:
    """Plan entries carried out: the linked inspection is done this year, or (not linked) a done
    inspection of the entry's kind at its unit this year."""
    if not entries:
        return set()
    linked = {e.inspection_id for e in entries if e.inspection_id is not None}
    done_linked = set(
        ctx.session.scalars(
            select(Inspection.id).where(
                Inspection.id.in_(linked),
                Inspection.status.in_(RECORDED_STATES),
                Inspection.inspection_date >= date(ctx.year, 1, 1),
                Inspection.inspection_date <= date(ctx.year, 12, 31),
            )
        )
    ) if linked else set()  # fmt: skip
    return {
        e.id
        for e in entries
        if (e.inspection_id in done_linked) or (e.inspection_id is None and e.unit_id in done_units)
    }


# ---- electronic archives ------------------------------------------------------------------


def _electronic_rows(
    ctx: _Context, plan: InspectionPlan | None, params: dict[str, Any]
) -> list[QuotaRow]:
    regime = Regime.ELECTRONIC.value
    names = {u.id: u.name for u in ctx.units()}
    register = _register(ctx, plan, regime)
    units, direct, key_units = register.units, register.direct, register.key_units
    basis_zh, basis_en = register.basis_zh, register.basis_en
    rows: list[QuotaRow] = []

    rate, min_direct = params["sampling_rate"], int(params["min_direct"])
    direct_target = min(min_direct, len(direct))
    sampling_target = max(_ceil(rate, len(units)), direct_target)
    sampled = {u for u, _ in ctx.done(regime, InspectionKind.RANDOM_SAMPLING)}
    entries = _plan_entries(plan, InspectionKind.RANDOM_SAMPLING)
    entry_done = _entries_done(ctx, entries, sampled)
    rows.append(
        _yearly(
            ctx, "random_sampling", regime, sampling_target, len(sampled), entries, entry_done,
            names, f"{basis_zh}；比例{rate}×{len(units)}家，直属单位不少于{direct_target}家",
            f"{basis_en}; rate {rate} × {len(units)} units, ≥{direct_target} direct",
        )
    )  # fmt: skip
    direct_entries = None if entries is None else [e for e in entries if e.unit_id in direct]
    rows.append(
        _yearly(
            ctx, "random_sampling_direct", regime, direct_target, len(sampled & direct),
            direct_entries, entry_done, names,
            f"{basis_zh}；直属单位{len(direct)}家，要求{min_direct}家",
            f"{basis_en}; {len(direct)} direct units, {min_direct} required",
        )
    )  # fmt: skip

    visited = {u for u, _ in ctx.done(regime, InspectionKind.KEY_UNIT)}
    entries = _plan_entries(plan, InspectionKind.KEY_UNIT)
    rows.append(
        _yearly(
            ctx, "key_unit", regime, len(key_units), len(visited & key_units), entries,
            _entries_done(ctx, entries, visited), names,
            f"{basis_zh}；重点监控单位{len(key_units)}家", f"{basis_en}; {len(key_units)} key units",
        )
    )  # fmt: skip

    special = {u for u, _ in ctx.done(regime, InspectionKind.SPECIAL)}
    entries = _plan_entries(plan, InspectionKind.SPECIAL)
    min_special = int(params["min_special"])
    rows.append(
        _yearly(
            ctx, "special", regime, min_special, len(special), entries,
            _entries_done(ctx, entries, special), names,
            f"{basis_zh}；不少于{min_special}家", f"{basis_en}; ≥{min_special} units",
        )
    )  # fmt: skip
    return rows


# ---- archive security ---------------------------------------------------------------------


def _months(ctx: _Context, plan: InspectionPlan | None, params: dict[str, Any]) -> list[MonthRow]:
    """Each month's daily checks, by the quota watch's rule (a round is one day's checks)."""
    per_round = int(params["daily_units_per_round"])
    rounds_needed = int(params["daily_rounds_per_month"])
    supervised = len(_register(ctx, plan, Regime.SECURITY.value).units)
    by_day: dict[date, set[int]] = defaultdict(set)
    for unit_id, day in ctx.done(Regime.SECURITY.value, InspectionKind.DAILY):
        by_day[day].add(unit_id)
    rows: list[MonthRow] = []
    for month in range(1, 13):
        days = {d: u for d, u in by_day.items() if d.month == month}
        full = sum(1 for units in days.values() if len(units) >= per_round)
        met = not supervised or full >= rounds_needed
        if month <= ctx.ended:
            status = "met" if met else "short"
        elif ctx.phase == "current" and month == ctx.today.month:
            status = "met" if met else "in_progress"
        else:
            status = "not_yet_due"
        rows.append(
            MonthRow(
                month=month,
                rounds=len(days),
                full_rounds=full,
                units_covered=len(set().union(*days.values())) if days else 0,
                largest_round=max((len(u) for u in days.values()), default=0),
                status=status,
                met={"met": True, "short": False}.get(status),
            )
        )
    return rows


def _security_rows(
    ctx: _Context, plan: InspectionPlan | None, params: dict[str, Any], months: list[MonthRow]
) -> list[QuotaRow]:
    regime = Regime.SECURITY.value
    register = _register(ctx, plan, regime)
    basis_zh, basis_en = register.basis_zh, register.basis_en
    met = sum(1 for m in months if m.met)
    short = [m.month for m in months if m.status == "short"]
    label_zh, label_en = LABELS["daily_checks"]
    if ctx.phase == "future":
        why_zh, why_en = "尚未开始", "Not started yet"
    elif short:
        why_zh = f"未达标月份：{'、'.join(f'{m}月' for m in short)}"
        why_en = "Short in month(s) " + ", ".join(str(m) for m in short)
    else:
        why_zh, why_en = f"已结束的{ctx.ended}个月均达标", f"All {ctx.ended} ended months met"
    per_round = int(params["daily_units_per_round"])
    rounds_needed = int(params["daily_rounds_per_month"])
    why_zh += f"（{basis_zh}；每月{rounds_needed}次、每次{per_round}家）"
    why_en += f" ({basis_en}; {rounds_needed} a month, {per_round} units each)"
    rows = [
        QuotaRow(
            "daily_checks",
            regime,
            label_zh,
            label_en,
            12,
            met,
            12 - met,
            ctx.ended,
            not short,
            why_zh,
            why_en,
        )  # fmt: skip
    ]

    special = ctx.done(regime, InspectionKind.SPECIAL)
    campaigns = len({day.month for _, day in special})
    target = int(params["security_campaigns"])
    units = {u for u, _ in special}
    entries = _plan_entries(plan, InspectionKind.SPECIAL)
    row = _yearly(
        ctx, "security_campaign", regime, target, campaigns, entries,
        _entries_done(ctx, entries, units), {u.id: u.name for u in ctx.units()},
        f"{basis_zh}；同一月份的专项检查计为一次，覆盖{len(units)}家",
        f"{basis_en}; special inspections of one month count as one campaign,"
        f" {len(units)} units",
    )  # fmt: skip
    if entries is not None and ctx.phase == "current":  # count campaigns (months), not units
        row = replace(row, expected=len({e.month for e in entries if e.month <= ctx.ended}))
    rows.append(row)
    return rows


def _complaint_row(ctx: _Context, regime: str) -> QuotaRow:
    label_zh, label_en = LABELS["complaint"]
    done = len(ctx.done(regime, InspectionKind.COMPLAINT))
    planned = ctx.session.scalar(
        select(func.count())
        .select_from(Inspection)
        .where(
            Inspection.authority_id == ctx.authority_id,
            Inspection.regime == regime,
            Inspection.kind == InspectionKind.COMPLAINT,
            Inspection.status.in_(("planned", "in_progress")),
            Inspection.inspection_date >= date(ctx.year, 1, 1),
            Inspection.inspection_date <= date(ctx.year, 12, 31),
        )
    )
    return QuotaRow(
        "complaint", regime, label_zh, label_en, None, done, None, None, None,
        f"无指标：已完成{done}次，待进行{planned}次",
        f"No target: {done} done, {planned} scheduled or under way",
    )  # fmt: skip
