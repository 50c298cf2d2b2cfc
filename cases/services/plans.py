"""The yearly plan in the database (年度检查计划, 双随机、一公开): read the registers, draw, record,
verify, publish, and track each drawn inspection to its publication (DESIGN §3).

The lottery itself is :mod:`cases.services.planning` (pure). Here:

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

import csv
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy import Select, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases.chain import preferred_algorithm
from cases.clock import ensure_utc, local_date, shanghai_midnight_utc, utcnow
from cases.db import is_postgresql
from cases.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cases.models import (
    Authority,
    Case,
    ChecklistVersion,
    Complaint,
    Deadline,
    Inspection,
    InspectionPlan,
    LegalCitation,
    PlanEntry,
    Unit,
    User,
)
from cases.reference_data import CHECKLISTS
from cases.services.calendar import calendar_for
from cases.services.planning import (
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
from cases.services.recusals import recused_pairs
from cases.timelimits import TimeLimit, TimeUnit, compute_due
from cases.vocabulary import OFFICER_ROLES, DeadlineKind, InspectionKind, Regime, Role, UnitKind

#: From the end of a check to the publication of its result (LAW.md 双随机 [S]); the same limit
#: as the publication deadline row (cases.services.publication).
PUBLICATION_LIMIT = TimeLimit(20, TimeUnit.WORKING_DAY)
#: How far back complaints and cases make a unit "flagged" (weight ``complaint_weight``).
FLAG_WINDOW = timedelta(days=365)
#: Inspection statuses in which the check has ended (its record exists), even without ``ended_on``.
ENDED_STATUSES = ("recorded", "signed", "archived")


# ---- reading the facts ---------------------------------------------------------------------


def _regime(regime: str) -> Regime:
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
    regime = _regime(regime).value
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
    if actor.active and (
        actor.role == Role.SYSTEM
        or (actor.role == Role.SUPERVISOR and actor.authority_id == authority.id)
    ):
        return
    raise NotAllowed(
        "只有本机关的科室/馆领导可以抽取年度检查计划",
        "Only a supervisor of the authority may draw the yearly plan",
    )


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

    ``params`` are :class:`~cases.services.planning.DrawParameters` fields (``sampling_rate``,
    ``complaint_weight``, ``repeat_cap_years`` …); the seed defaults to 128 random bits. Both are
    recorded, with the facts read, so :func:`verify_plan` can re-run the draw.

    Raises:
        Conflict: the authority already has this year's plan for the regime (no redraw).
        InvalidInput: a parameter outside the rules, a past year, or a jurisdiction that cannot
            meet a quota (named precisely) — nothing is written.
        NotAllowed: the actor may not draw for this authority.
    """
    now = ensure_utc(now) if now is not None else utcnow()
    regime = _regime(regime).value
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


# ---- publication (一公开) -------------------------------------------------------------------

PUBLICATION_HEADERS = (
    "序号",
    "监管事项",
    "检查类型",
    "计划月份",
    "日常检查批次",
    "被检查单位",
    "统一社会信用代码",
    "执法检查人员（执法证号）",
)


def publication_rows(session: Session, plan: InspectionPlan) -> list[tuple[Any, ...]]:
    """The 公示 list: what the public sees of a draw — the units, the kind of inspection, the
    month and the officers with their credential numbers (shown to the unit anyway, 行政处罚法
    art 55). Nothing internal: no ids, seed, weights, flags, recusals or complaint marks."""
    units = dict(
        (i, (n, c))
        for i, n, c in session.execute(
            select(Unit.id, Unit.name, Unit.credit_code)
            .join(PlanEntry, PlanEntry.unit_id == Unit.id)
            .where(PlanEntry.plan_id == plan.id)
        )
    )
    officers = {
        i: f"{n}（{c}）"
        for i, n, c in session.execute(
            select(User.id, User.display_name, User.credential_no).where(
                User.authority_id == plan.authority_id
            )
        )
    }
    regime = Regime(plan.regime).label_zh
    rows = []
    for position, unit_id, kind, month, round_no, officer_ids in stored_rows(session, plan):
        name, code = units[unit_id]
        rows.append(
            (
                position,
                regime,
                InspectionKind(kind).label_zh,
                f"{plan.year}年{month}月",
                f"第{round_no}次" if round_no else "",
                name,
                code,
                "、".join(officers.get(o, "") for o in officer_ids),
            )
        )
    return rows


def export_publication(session: Session, plan: InspectionPlan, fmt: str) -> bytes:
    """The 公示 list as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese) or XLSX."""
    title = f"{plan.year}年{Regime(plan.regime).label_zh}“双随机”抽查计划"
    return table_bytes(PUBLICATION_HEADERS, publication_rows(session, plan), fmt, title=title)


def table_bytes(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, *, title: str = ""
) -> bytes:
    """One table as CSV or XLSX (the header in row 1)."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows(rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet("公示" if "抽查计划" in title else "名录")
        sheet.append(list(headers))
        for row in rows:
            sheet.append(list(row))
        book.properties.title = title or None
        out_b = io.BytesIO()
        book.save(out_b)
        return out_b.getvalue()
    raise InvalidInput(f"不支持的格式：{fmt}", f"Unsupported format: {fmt} (csv or xlsx)")


def read_table(data: bytes, fmt: str) -> list[list[Any]]:
    """Read back a table written by :func:`table_bytes` (tests, round trips)."""
    if fmt == "csv":
        return [list(r) for r in csv.reader(io.StringIO(data.decode("utf-8-sig")))]
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@dataclass(frozen=True)
class EntryProgress:
    """One drawn inspection on its way to publication (20 working days after the check)."""

    position: int
    unit_id: int
    kind: str
    month: int
    inspection_id: int | None
    status: str
    ended_on: date | None = None
    due_at: datetime | None = None
    published_at: datetime | None = None


PROGRESS_STATUSES = {
    "not_inspected": ("尚未检查", "not inspected yet"),
    "in_progress": ("检查中", "inspection in progress"),
    "awaiting_publication": ("待公示", "awaiting publication"),
    "overdue": ("逾期未公示", "publication overdue"),
    "published": ("已按时公示", "published on time"),
    "published_late": ("逾期公示", "published late"),
}


def publication_progress(
    session: Session, plan: InspectionPlan, now: datetime | None = None
) -> list[EntryProgress]:
    """Each entry's inspection against the 20-working-day publication rule. The check has ended
    once its end day (``ended_on``) is entered or its record is complete; the due time is the
    publication deadline row when one exists (written at signing), else the 20th working day
    after the end day (start day not counted), at 24:00 Asia/Shanghai — the same count."""
    now = ensure_utc(now) if now is not None else utcnow()
    entries = session.execute(
        select(
            PlanEntry.position, PlanEntry.unit_id, PlanEntry.kind, PlanEntry.month,
            PlanEntry.inspection_id,
        ).where(PlanEntry.plan_id == plan.id).order_by(PlanEntry.position)
    ).all()  # fmt: skip
    linked = [e.inspection_id for e in entries if e.inspection_id is not None]
    inspections = {
        i.id: i
        for i in session.scalars(select(Inspection).where(Inspection.id.in_(linked)))
    } if linked else {}  # fmt: skip
    deadlines = dict(
        session.execute(
            select(Deadline.inspection_id, Deadline.due_at).where(
                Deadline.inspection_id.in_(linked), Deadline.kind == DeadlineKind.PUBLICATION
            )
        ).all()
    ) if linked else {}  # fmt: skip
    calendar = calendar_for(session)
    out: list[EntryProgress] = []
    for position, unit_id, kind, month, inspection_id in entries:
        inspection = inspections.get(inspection_id) if inspection_id else None
        if inspection is None:
            out.append(EntryProgress(position, unit_id, kind, month, None, "not_inspected"))
            continue
        if inspection.ended_on is None and inspection.status not in ENDED_STATUSES:
            out.append(EntryProgress(position, unit_id, kind, month, inspection.id, "in_progress"))
            continue
        ended = inspection.ended_on or inspection.inspection_date
        due = deadlines.get(inspection.id) or (
            compute_due(shanghai_midnight_utc(ended), PUBLICATION_LIMIT, calendar).due_at
        )
        published = inspection.published_at
        if published is not None:
            status = "published" if published < due else "published_late"
        else:
            status = "overdue" if now >= due else "awaiting_publication"
        out.append(
            EntryProgress(
                position, unit_id, kind, month, inspection.id, status, ended, due, published
            )
        )
    return out


def link_inspection(session: Session, inspection: Inspection) -> PlanEntry | None:
    """Attach a recorded inspection to the plan entry it carries out (same authority, year,
    regime, kind and unit; the earliest unlinked entry), so progress and quotas follow it."""
    entry = session.scalar(
        select(PlanEntry)
        .join(InspectionPlan, PlanEntry.plan_id == InspectionPlan.id)
        .where(
            InspectionPlan.authority_id == inspection.authority_id,
            InspectionPlan.year == inspection.inspection_date.year,
            InspectionPlan.regime == inspection.regime,
            PlanEntry.kind == inspection.kind,
            PlanEntry.unit_id == inspection.unit_id,
            PlanEntry.inspection_id.is_(None),
        )
        .order_by(PlanEntry.position)
        .limit(1)
    )
    if entry is not None:
        entry.inspection_id = inspection.id
        session.flush()
    return entry


# ---- the registers (随机抽查事项清单、检查对象名录库、执法检查人员名录库) ----------------------------


@dataclass(frozen=True)
class InspectableItem:
    code: str
    scope_zh: str
    title_zh: str
    title_en: str
    text_zh: str
    legal_basis: tuple[str, ...]
    checklist_version: int


def inspectable_items(session: Session, regime: str, on: date) -> list[InspectableItem]:
    """The checklist in force on ``on`` with each item's legal basis as it stood that day."""
    regime = _regime(regime).value
    checklist = session.scalar(
        select(ChecklistVersion)
        .where(ChecklistVersion.regime == regime, ChecklistVersion.effective_from <= on)
        .order_by(ChecklistVersion.effective_from.desc(), ChecklistVersion.version.desc())
        .limit(1)
    )
    if checklist is None:
        raise NotFound(f"{on}没有适用的{regime}检查清单", f"No {regime} checklist in force on {on}")
    spec = next(
        (c for c in CHECKLISTS if c.regime == regime and c.version == checklist.version), None
    )
    keys = {it.code: it.legal_basis_keys for it in spec.items} if spec else {}
    in_force = session.scalars(
        select(LegalCitation)
        .where(
            LegalCitation.valid_from <= on,
            or_(LegalCitation.valid_to.is_(None), LegalCitation.valid_to >= on),
        )
        .order_by(LegalCitation.valid_from, LegalCitation.id)
    ).all()
    citations = {c.key: c.text_zh() for c in in_force}
    # A version an administrator added (not in the shipped data) has no per-item keys: cite the
    # inspection powers in force.
    fallback = tuple(c.text_zh() for c in in_force if "inspection" in c.purposes.split())
    return [
        InspectableItem(
            item.code,
            item.scope_zh,
            item.title_zh,
            item.title_en,
            item.text_zh,
            tuple(citations[k] for k in keys[item.code] if k in citations)
            if item.code in keys
            else fallback,
            checklist.version,
        )
        for item in checklist.items
    ]


@dataclass(frozen=True)
class Target:
    name: str
    credit_code: str
    kind: str
    district_direct: bool
    key_unit: bool
    key_unit_reason: str
    holds_national_catalog: bool
    holds_long_term: bool
    runs_sensitive_database: bool


def targets_register(session: Session, authority: Authority, regime: str) -> list[Target]:
    """The units a regime's draws are made from (electronic: every unit of the jurisdiction;
    security: those meeting one of the seed's three criteria)."""
    regime = _regime(regime).value
    query = select(Unit).where(Unit.authority_id == authority.id).order_by(Unit.credit_code)
    if regime == Regime.SECURITY:
        query = query.where(
            or_(Unit.holds_national_catalog, Unit.holds_long_term, Unit.runs_sensitive_database)
        )
    return [
        Target(
            u.name,
            u.credit_code,
            UnitKind(u.kind).label_zh,
            u.is_district_direct,
            u.is_key_unit,
            u.key_unit_reason or "",
            u.holds_national_catalog,
            u.holds_long_term,
            u.runs_sensitive_database,
        )  # fmt: skip
        for u in session.scalars(query)
    ]


@dataclass(frozen=True)
class Inspector:
    name: str
    role: str
    credential_no: str
    issued_on: date | None
    expires_on: date | None
    valid_on: bool


def inspectors_register(session: Session, authority: Authority, on: date) -> list[Inspector]:
    """The authority's enforcement officers with their credentials (条例 art 47), and whether
    each may act on ``on``."""
    users = session.scalars(
        select(User)
        .where(
            User.authority_id == authority.id,
            User.active.is_(True),
            User.role.in_([r.value for r in OFFICER_ROLES]),
            User.credential_no.is_not(None),
        )
        .order_by(User.credential_no)
    )
    return [
        Inspector(
            u.display_name,
            Role(u.role).label_zh,
            u.credential_no or "",
            u.credential_issued_on,
            u.credential_expires_on,
            u.credential_problem(on) is None,
        )  # fmt: skip
        for u in users
    ]


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def register_table(
    session: Session, which: str, authority: Authority, regime: str, on: date
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """One register as (headers, rows) for export."""
    if which == "items":
        items = inspectable_items(session, regime, on)
        headers = ("编号", "检查范围", "检查事项", "检查内容", "法律依据", "清单版本")
        return headers, [
            (
                i.code,
                i.scope_zh,
                i.title_zh,
                i.text_zh,
                "；".join(i.legal_basis),
                i.checklist_version,
            )
            for i in items
        ]
    if which == "targets":
        headers = (
            "单位名称", "统一社会信用代码", "单位类型", "区政府直属", "重点监控单位", "重点监控理由",
            "保管国家专业档案目录档案", "保管30年或永久档案", "运行涉及国家安全等档案数据库",
        )  # fmt: skip
        return headers, [
            (
                t.name,
                t.credit_code,
                t.kind,
                _yes(t.district_direct),
                _yes(t.key_unit),
                t.key_unit_reason,
                _yes(t.holds_national_catalog),
                _yes(t.holds_long_term),
                _yes(t.runs_sensitive_database),
            )  # fmt: skip
            for t in targets_register(session, authority, regime)
        ]
    if which == "inspectors":
        headers = ("姓名", "身份", "执法证号", "发证日期", "有效期至", f"{on.isoformat()}证件有效")
        return headers, [
            (
                i.name,
                i.role,
                i.credential_no,
                i.issued_on.isoformat() if i.issued_on else "",
                i.expires_on.isoformat() if i.expires_on else "",
                _yes(i.valid_on),
            )  # fmt: skip
            for i in inspectors_register(session, authority, on)
        ]
    raise InvalidInput(
        f"未知的名录：{which}", f"Unknown register: {which} (items, targets, inspectors)"
    )
