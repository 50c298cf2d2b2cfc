"""The yearly plan in the database (年度检查计划, 双随机、一公开): read the registers, draw, record,
verify, publish, and track each drawn inspection to its publication (DESIGN §3).

The lottery itself is :mod:`cases.plans.draw` (pure). Here:

* :func:`draw_plan` reads the facts the draw needs (units with their flags, complaint/bad-record
  flags, last year's draws, officers and their credentials, recusals), draws, and stores the
  facts, the parameters, the seed, the algorithm version and SM3 digests with the entries. One
  plan per authority, year and regime: there is no redraw (a redraw would let someone keep
  drawing until a lottery suits them) — a second draw is a 409.
* :func:`verify_plan` re-runs the draw from the STORED facts and shows whether it matches, and
  (for information) what changed in the registers since.
* :func:`export_publication` is the 公示 list; :func:`publication_progress` follows each drawn
  inspection to its publication within 20 working days (LAW.md 双随机).
* the three registers the rules name (国办发〔2015〕58号): :func:`inspectable_items` (随机抽查事项
  清单 with the legal basis in force), :func:`targets_register` (检查对象名录库) and
  :func:`inspectors_register` (执法检查人员名录库).

Choices where the rules are silent:
* "complaints or a bad record" (weight): a complaint about the unit received by the authority
  in the 365 days before the draw and not forwarded elsewhere, or a case opened against the unit
  in those days (a problem found by an inspection);
* who draws: a supervisor (科室/馆领导) of the authority, or the system actor (a scheduled draw);
* a plan for the current year starts in the month of the draw; past years are refused.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases.access import Duty, require
from cases.core.chain import preferred_algorithm
from cases.core.clock import ensure_utc, local_date, utcnow
from cases.core.db import is_postgresql
from cases.core.errors import Conflict, InvalidInput
from cases.core.vocabulary import OFFICER_ROLES, Regime
from cases.models import (
    Authority,
    Case,
    Complaint,
    InspectionPlan,
    PlanEntry,
    Unit,
    User,
)
from cases.plans.draw import (
    ALGORITHM_VERSION,
    ALGORITHMS,
    CAPPED_KINDS,
    DrawInputs,
    DrawnEntry,
    DrawParameters,
    OfficerFacts,
    PairingImpossible,
    UnitFacts,
    digest,
)
from cases.registry.recusals import recused_pairs

#: How far back complaints and cases make a unit "flagged" (weight ``complaint_weight``).
FLAG_WINDOW = timedelta(days=365)


# ---- reading the facts ---------------------------------------------------------------------


def parse_regime(regime: str) -> Regime:
    try:
        return Regime(regime)
    except ValueError:
        raise InvalidInput(f"监管事项无效：{regime}", f"Unknown regime: {regime}") from None


def read_inputs(
    session: Session,
    authority_id: int,
    year: int,
    regime: str,
    *,
    now: datetime,
    repeat_cap_years: int = 1,
) -> DrawInputs:
    """The facts a draw reads, as of ``now`` (the flag window ends there)."""
    regime = parse_regime(regime).value
    security_flag = or_(
        Unit.holds_national_catalog, Unit.holds_long_term, Unit.runs_sensitive_database
    )
    query = select(Unit.id, Unit.is_district_direct, Unit.is_key_unit, security_flag).where(
        Unit.authority_id == authority_id
    )
    if regime == Regime.SECURITY:
        query = query.where(security_flag)
    rows = _tuples(session, query)

    since = now - FLAG_WINDOW
    flagged = set(
        session.scalars(
            select(Complaint.unit_id).where(
                Complaint.authority_id == authority_id,
                Complaint.unit_id.is_not(None),
                Complaint.status != "forwarded",
                Complaint.received_at > since,
                Complaint.received_at <= now,
            )
        )
    )
    flagged.update(
        session.scalars(
            select(Case.unit_id).where(
                Case.authority_id == authority_id, Case.opened_at > since, Case.opened_at <= now
            )
        )
    )
    last_drawn: dict[int, int] = {}
    if repeat_cap_years > 0:
        last_drawn = dict(
            session.execute(
                select(PlanEntry.unit_id, func.max(InspectionPlan.year))
                .join(InspectionPlan, PlanEntry.plan_id == InspectionPlan.id)
                .where(
                    InspectionPlan.authority_id == authority_id,
                    InspectionPlan.regime == regime,
                    InspectionPlan.year >= year - repeat_cap_years,
                    InspectionPlan.year < year,
                    PlanEntry.kind == CAPPED_KINDS[regime],
                )
                .group_by(PlanEntry.unit_id)
            ).all()
        )
    new = tuple.__new__  # UnitFacts without a Python-level call per unit (100,000 of them)
    units = tuple(
        new(UnitFacts, (i, bool(d), bool(k), bool(s), i in flagged, last_drawn.get(i)))
        for i, d, k, s in rows
    )

    officers = tuple(
        OfficerFacts(i, issued, expires)
        for i, issued, expires in session.execute(
            select(User.id, User.credential_issued_on, User.credential_expires_on).where(
                User.authority_id == authority_id,
                User.active.is_(True),
                User.role.in_([r.value for r in OFFICER_ROLES]),
                User.credential_no.is_not(None),
                User.credential_expires_on >= date(year, 1, 1),
                or_(
                    User.credential_issued_on.is_(None),
                    User.credential_issued_on <= date(year, 12, 31),
                ),
            )
        )
    )
    officer_ids = {o.id for o in officers}
    unit_ids = {u.id for u in units}
    recusals = frozenset(
        (o, u)
        for o, u in recused_pairs(session, authority_id)
        if o in officer_ids and u in unit_ids
    )
    return DrawInputs(year, regime, units, officers, recusals)


def _tuples(session: Session, query: Select[Any]) -> list[tuple[Any, ...]]:
    """Plain tuples for a large read. On PostgreSQL through the driver's cursor, in the session's
    transaction: building 100,000 SQLAlchemy rows costs three times the query (bench/plan.py)."""
    if not is_postgresql(session):
        return [tuple(r) for r in session.execute(query)]
    compiled = query.compile(
        dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    dbapi = session.connection().connection.dbapi_connection
    assert dbapi is not None
    with dbapi.cursor() as cursor:
        cursor.execute(str(compiled), compiled.params)
        return cursor.fetchall()


# ---- drawing -------------------------------------------------------------------------------


def _may_draw(actor: User, authority: Authority) -> None:
    require(
        actor, Duty.DRAW_PLANS, authority,
        message=(
            "只有本机关的科室/馆领导可以抽取年度检查计划",
            "Only a supervisor of the authority may draw the yearly plan",
        ),
    )  # fmt: skip


def find_plan(session: Session, authority_id: int, year: int, regime: str) -> InspectionPlan | None:
    return session.scalar(
        select(InspectionPlan).where(
            InspectionPlan.authority_id == authority_id,
            InspectionPlan.year == year,
            InspectionPlan.regime == regime,
        )
    )


def draw_plan(
    session: Session,
    authority: Authority,
    year: int,
    regime: str,
    *,
    seed: str | None,
    actor: User,
    now: datetime | None = None,
    **params: Any,
) -> InspectionPlan:
    """Draw and record the year's plan for one regime (双随机: random units, random officers).

    ``params`` are :class:`~cases.plans.draw.DrawParameters` fields (``sampling_rate``,
    ``complaint_weight``, ``repeat_cap_years`` …); the seed defaults to 128 random bits. Both are
    recorded, with the facts read, so :func:`verify_plan` can re-run the draw.

    Raises:
        Conflict: the authority already has this year's plan for the regime (no redraw).
        InvalidInput: a parameter outside the rules, a past year, or a jurisdiction that cannot
            meet a quota (named precisely) — nothing is written.
        NotAllowed: the actor may not draw for this authority.
    """
    now = ensure_utc(now) if now is not None else utcnow()
    regime = parse_regime(regime).value
    _may_draw(actor, authority)
    today = local_date(now)
    if year < today.year:
        raise InvalidInput(
            f"不能为已过去的{year}年抽取计划", f"{year} is over: no plan can be drawn"
        )
    if year > today.year + 1:
        raise InvalidInput("只能抽取本年度或下一年度的计划", "Only this year's or next year's plan")
    seed = secrets.token_hex(16) if seed is None else seed
    if not seed.strip() or len(seed) > 200:
        raise InvalidInput("随机种子须为1至200个字符", "The seed must be 1–200 characters")
    if find_plan(session, authority.id, year, regime) is not None:
        raise _already_drawn(year, regime)
    current_month = today.month if year == today.year else 1
    params.setdefault("first_month", current_month)
    try:
        parameters = DrawParameters(**params)
    except TypeError as exc:
        raise InvalidInput(f"未知的抽取参数：{exc}", f"Unknown draw parameter: {exc}") from exc
    if not isinstance(parameters.first_month, int) or parameters.first_month < current_month:
        raise InvalidInput(
            f"计划不能安排在已过去的月份（本月为{current_month}月）",
            f"The plan cannot schedule months already past (this is month {current_month})",
        )
    parameters.validate()

    inputs = read_inputs(
        session, authority.id, year, regime, now=now, repeat_cap_years=parameters.repeat_cap_years
    )
    try:
        result = ALGORITHMS[ALGORITHM_VERSION](inputs, parameters, seed)
    except PairingImpossible as exc:
        raise _name_units(session, exc) from exc
    algorithm = preferred_algorithm()
    inputs_json = inputs.to_json()
    plan = InspectionPlan(
        authority_id=authority.id,
        year=year,
        regime=regime,
        seed=seed,
        algorithm_version=result.version,
        parameters={**parameters.to_json(), "digest_algorithm": algorithm},
        inputs=inputs_json,
        inputs_digest=digest(inputs_json, algorithm),
        result_digest=digest(result.to_json(), algorithm),
        drawn_at=now,
        drawn_by_id=actor.id,
    )
    try:
        with session.begin_nested():
            session.add(plan)
            session.flush()
    except IntegrityError:
        raise _already_drawn(year, regime) from None
    _write_entries(session, plan.id, result.entries)
    return plan


_COPY_NULL = "\\N"  # NULL in COPY's text format
_ENTRY_COLUMNS = ("plan_id", "position", "unit_id", "kind", "month", "round_no", "officer_ids")


def _write_entries(session: Session, plan_id: int, entries: Sequence[DrawnEntry]) -> None:
    """The entries in one go: COPY on PostgreSQL (a 100,000-unit plan has ~9,000 entries, and
    executemany sends a statement per row), Core executemany on SQLite."""
    if not entries:
        return
    if is_postgresql(session):
        dbapi = session.connection().connection.dbapi_connection
        assert dbapi is not None
        sql = f"COPY plan_entries ({', '.join(_ENTRY_COLUMNS)}) FROM STDIN"
        lines = "".join(
            f"{plan_id}\t{e.position}\t{e.unit_id}\t{e.kind}\t{e.month}\t"
            f"{e.round_no if e.round_no is not None else _COPY_NULL}\t"
            f"[{', '.join(str(o) for o in e.officer_ids)}]\n"
            for e in entries
        )
        with dbapi.cursor() as cursor, cursor.copy(sql) as copy:
            copy.write(lines.encode("utf-8"))
        return
    session.execute(
        insert(PlanEntry.__table__),
        [dict(zip(_ENTRY_COLUMNS, (plan_id, *e.as_row()), strict=True)) for e in entries],
    )


def _already_drawn(year: int, regime: str) -> Conflict:
    label = Regime(regime)
    return Conflict(
        f"{year}年{label.label_zh}的检查计划已经抽取，不能重新抽取",
        f"The {year} plan for {label.label_en.lower()} has already been drawn; there is no redraw",
    )


def _name_units(session: Session, exc: PairingImpossible) -> InvalidInput:
    rows = session.execute(
        select(Unit.name, Unit.credit_code).where(Unit.id.in_(exc.unit_ids)).order_by(Unit.id)
    ).all()
    names = "、".join(f"{n}（{c}）" for n, c in rows)
    return InvalidInput(
        f"无法为{names}（{exc.month}月）抽取两名证件有效且无需回避的执法人员",
        f"No two officers with valid credentials and no recusal for {names} in month {exc.month}",
    )


# ---- verifying -----------------------------------------------------------------------------


@dataclass
class VerifyReport:
    """What ``oversight plan verify`` shows. ``matches`` needs all three checks."""

    plan_id: int
    year: int
    regime: str
    seed: str
    algorithm_version: int
    inputs_intact: bool = False  # stored facts still digest to inputs_digest
    redraw_matches: bool = False  # re-run draw == stored entries
    result_intact: bool = False  # stored entries digest to result_digest
    differences: list[tuple[str, str]] = field(default_factory=list)
    #: For information: how the registers differ today from the facts the draw read.
    registry_changes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return self.inputs_intact and self.redraw_matches and self.result_intact


def stored_rows(session: Session, plan: InspectionPlan) -> list[list[Any]]:
    return [
        [p, u, k, m, r, list(o)]
        for p, u, k, m, r, o in session.execute(
            select(
                PlanEntry.position,
                PlanEntry.unit_id,
                PlanEntry.kind,
                PlanEntry.month,
                PlanEntry.round_no,
                PlanEntry.officer_ids,
            )
            .where(PlanEntry.plan_id == plan.id)
            .order_by(PlanEntry.position)
        )
    ]


def verify_plan(session: Session, plan: InspectionPlan) -> VerifyReport:
    """Re-run the draw from the stored facts, seed and version; compare with what is stored."""
    report = VerifyReport(plan.id, plan.year, plan.regime, plan.seed, plan.algorithm_version)
    algorithm = plan.parameters.get("digest_algorithm") or preferred_algorithm()
    report.inputs_intact = digest(plan.inputs, algorithm) == plan.inputs_digest
    if not report.inputs_intact:
        report.differences.append(
            (
                "保存的抽取输入与其摘要不符（被改动过）",
                "The stored inputs do not match their digest",
            )
        )
    stored = stored_rows(session, plan)
    report.result_intact = (
        digest({"version": plan.algorithm_version, "entries": stored}, algorithm)
        == plan.result_digest
    )
    if not report.result_intact:
        report.differences.append(
            (
                "保存的计划条目与其摘要不符（被改动过）",
                "The stored entries do not match their digest",
            )
        )
    run = ALGORITHMS.get(plan.algorithm_version)
    try:
        inputs = DrawInputs.from_json(plan.inputs)
        if run is None:
            raise InvalidInput(
                f"本系统没有第{plan.algorithm_version}版抽取算法",
                f"Algorithm version {plan.algorithm_version} is not available here",
            )
        result = run(inputs, DrawParameters.from_json(plan.parameters), plan.seed)
    except InvalidInput as exc:
        report.differences.append(
            (f"无法重新抽取：{exc.reason_zh}", f"Cannot redraw: {exc.reason_en}")
        )
        return report
    redrawn = [e.as_row() for e in result.entries]
    report.redraw_matches = redrawn == stored
    if not report.redraw_matches:
        report.differences.extend(_entry_differences(stored, redrawn))
    report.registry_changes = _registry_changes(session, plan, inputs)
    return report


def _describe(row: list[Any] | None) -> str:
    if row is None:
        return "—"
    _, unit, kind, month, round_no, officers = row
    rnd = f" round {round_no}" if round_no else ""
    return f"unit #{unit} {kind} month {month}{rnd} officers {officers}"


def _entry_differences(
    stored: list[list[Any]], redrawn: list[list[Any]], limit: int = 20
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if len(stored) != len(redrawn):
        out.append(
            (
                f"条目数不同：保存{len(stored)}条，重新抽取{len(redrawn)}条",
                f"Entry count differs: {len(stored)} stored, {len(redrawn)} redrawn",
            )
        )
    differing = [
        i
        for i in range(max(len(stored), len(redrawn)))
        if (stored[i] if i < len(stored) else None) != (redrawn[i] if i < len(redrawn) else None)
    ]
    for i in differing[:limit]:
        s = _describe(stored[i] if i < len(stored) else None)
        r = _describe(redrawn[i] if i < len(redrawn) else None)
        out.append(
            (
                f"第{i + 1}条：保存为 {s}；重新抽取为 {r}",
                f"position {i + 1}: stored {s}; redrawn {r}",
            )
        )
    if len(differing) > limit:
        more = len(differing) - limit
        out.append((f"另有{more}条不同", f"{more} more positions differ"))
    return out


def _registry_changes(
    session: Session, plan: InspectionPlan, stored: DrawInputs
) -> list[tuple[str, str]]:
    """How today's registers differ from the facts the draw read (flags as of the draw)."""
    cap = int(plan.parameters.get("repeat_cap_years", 1))
    current = read_inputs(
        session, plan.authority_id, plan.year, plan.regime, now=plan.drawn_at, repeat_cap_years=cap
    )
    before, after = stored.to_json(), current.to_json()
    labels = {
        "units": ("被监管单位", "units"),
        "district_direct": ("区政府直属单位", "district direct units"),
        "key_units": ("重点监控单位", "key units"),
        "security": ("档案安全事项监管对象", "archive-security units"),
        "flagged": ("有投诉或不良记录的单位", "units with complaints or a bad record"),
        "last_drawn": ("往年已抽取的单位", "units drawn in earlier years"),
        "officers": ("执法人员及证件", "officers and credentials"),
        "recusals": ("回避关系", "recusals"),
    }
    out: list[tuple[str, str]] = []
    for key, (zh, en) in labels.items():
        old = {_hashable(v) for v in before[key]}
        new = {_hashable(v) for v in after[key]}
        added, removed = len(new - old), len(old - new)
        if added or removed:
            out.append(
                (f"{zh}：新增{added}，减少{removed}", f"{en}: {added} added, {removed} removed")
            )
    return out


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
