"""The password and session policy (安全策略), set by the security administrator.

The environment's ``OVERSIGHT_PASSWORD_MIN_LENGTH`` … are the installation's defaults; the
security administrator's policy row (one for the installation) overrides any of them.
:func:`effective` is the policy in force — the settings with the row's values over them — and
every reader of these values asks it: the sign-in (lock-out, rotation), a password change or
reset (length, history), the start of a session (its lifetime) and the check of a session at
every request (idle timeout, lifetime; read in the same query as the session row, so a
signed-in request costs no extra round trip and a change holds from the next request on).

Both are held to the level-3 bounds of :data:`cases.core.settings.POLICY_BOUNDS` (等保 2.0,
LAW.md): a floor can be tightened, never loosened. A change names what it changed, old → new,
in the audit log (``policy_changed``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases.access.permissions import Duty, require
from cases.accounts.audit import SUCCESS, audit
from cases.core.errors import InvalidInput
from cases.core.settings import POLICY_BOUNDS, Settings
from cases.models import User
from cases.models.accounts import POLICY_ID, SecurityPolicy


@dataclass(frozen=True)
class Field:
    """One value of the policy: its setting's name, the name a form and the CLI give it, its
    label and unit, and — for a level-3 floor — which bound is the floor and what it says."""

    setting: str
    name: str
    label_zh: str
    label_en: str
    unit_zh: str
    unit_en: str
    #: "low" or "high": the bound that is 等保 level 3's floor (None: a plain range).
    floor: str | None = None
    floor_zh: str = ""

    @property
    def bounds(self) -> tuple[int, int]:
        return POLICY_BOUNDS[self.setting]


FIELDS: tuple[Field, ...] = (
    Field("password_min_length", "min_length", "密码最短长度", "minimum password length",
          "个字符", "characters", "low", "等保三级要求口令长度至少 8 位"),
    Field("password_history", "history", "不得重复使用的历史密码数", "passwords remembered",
          "次", "passwords", "low", "等保三级要求不得重复使用最近 5 次的密码"),
    Field("password_rotation_days", "rotation_days", "密码有效期", "password lifetime",
          "天", "days"),
    Field("lockout_failures", "lockout_failures", "锁定前允许的连续登录失败次数",
          "failed sign-ins before lock-out", "次", "failures", "high",
          "等保三级要求连续登录失败不超过 5 次即锁定账号"),
    Field("lockout_minutes", "lockout_minutes", "锁定时长", "lock-out duration",
          "分钟", "minutes", "low", "等保三级要求登录失败锁定至少 10 分钟"),
    Field("idle_timeout_minutes", "idle_minutes", "空闲超时", "idle timeout",
          "分钟", "minutes", "high", "等保三级要求空闲超时自动退出，本系统上限为 15 分钟"),
    Field("session_hours", "session_hours", "会话最长时间", "session lifetime",
          "小时", "hours"),
)  # fmt: skip
BY_NAME = {f.name: f for f in FIELDS}


def over(settings: Settings, row: SecurityPolicy | None) -> Settings:
    """``settings`` with ``row``'s values over them (no row, or an empty column: the default)."""
    if row is None:
        return settings
    given = {f.setting: getattr(row, f.setting) for f in FIELDS}
    return settings.with_(**{k: v for k, v in given.items() if v is not None})


def effective(session: Session, settings: Settings) -> Settings:
    """The policy in force: one primary-key read (none when the row is already in the session)."""
    return over(settings, session.get(SecurityPolicy, POLICY_ID))


def refusal(field: Field, value: int) -> tuple[str, str] | None:
    """Why ``value`` may not be ``field``'s (zh, en), naming the field, or None."""
    low, high = field.bounds
    named_zh, named_en = f"{field.label_zh}（{field.name}）", f"{field.label_en} ({field.name})"
    if value < low:
        floor = f"：{field.floor_zh}，只能收紧、不能放宽" if field.floor == "low" else ""
        return (f"{named_zh}不得少于 {low} {field.unit_zh}{floor}（提交的是 {value}）",
                f"The {named_en} may not be below {low} {field.unit_en} (got {value})")  # fmt: skip
    if value > high:
        floor = f"：{field.floor_zh}，只能收紧、不能放宽" if field.floor == "high" else ""
        return (f"{named_zh}不得超过 {high} {field.unit_zh}{floor}（提交的是 {value}）",
                f"The {named_en} may not exceed {high} {field.unit_en} (got {value})")  # fmt: skip
    return None


def parse(raw: Mapping[str, str]) -> dict[str, int]:
    """A form's values by field name (empty: unchanged) as whole numbers, or InvalidInput naming
    every field that is not one or is out of bounds."""
    values: dict[str, int] = {}
    problems: list[tuple[str, str]] = []
    for field in FIELDS:
        text = (raw.get(field.name) or "").strip()
        if not text:
            continue
        if not (text.isascii() and text.isdigit()) or len(text) > 9:
            problems.append((f"{field.label_zh}（{field.name}）须为不带符号的整数（提交的是 {text[:20]}）",
                             f"The {field.label_en} ({field.name}) must be a whole number "
                             f"(got {text[:20]!r})"))  # fmt: skip
            continue
        values[field.name] = int(text)
    problems += [r for name, v in values.items() if (r := refusal(BY_NAME[name], v))]
    if problems:
        raise InvalidInput("；".join(p[0] for p in problems), "; ".join(p[1] for p in problems))
    return values


@dataclass(frozen=True)
class Value:
    """One line of the policy as shown: the field, the value in force and whether the
    security administrator set it (else it is the environment's default)."""

    field: Field
    value: int
    default: int
    set_here: bool


def show(session: Session, actor: User, settings: Settings) -> list[Value]:
    """The policy in force, field by field (the security administrator's)."""
    require(actor, Duty.SET_SECURITY_POLICY)
    row = session.get(SecurityPolicy, POLICY_ID)
    now_in_force = over(settings, row)
    return [
        Value(f, getattr(now_in_force, f.setting), getattr(settings, f.setting),
              row is not None and getattr(row, f.setting) is not None)
        for f in FIELDS
    ]  # fmt: skip


def change(
    session: Session,
    actor: User,
    values: Mapping[str, int],
    settings: Settings,
    now: datetime,
    address: str,
) -> dict[str, tuple[int, int]]:
    """Set the given fields (by :attr:`Field.name`; the others stay as they are); returns what
    changed, old → new, also written to the audit log (``policy_changed``) in the caller's
    transaction. Nothing is written when nothing changes. Takes effect at the next sign-in,
    password change and request."""
    require(actor, Duty.SET_SECURITY_POLICY)
    unknown = sorted(set(values) - set(BY_NAME))
    if unknown:
        raise InvalidInput(f"未知的策略项：{'、'.join(unknown)}",
                           f"Unknown policy fields: {', '.join(unknown)}")  # fmt: skip
    problems = [r for name, v in values.items() if (r := refusal(BY_NAME[name], v))]
    if problems:
        raise InvalidInput("；".join(p[0] for p in problems), "; ".join(p[1] for p in problems))
    row = session.get(SecurityPolicy, POLICY_ID, with_for_update=True)
    before = over(settings, row)
    changed = {
        name: (getattr(before, BY_NAME[name].setting), value)
        for name, value in values.items()
        if getattr(before, BY_NAME[name].setting) != value
    }
    if not changed:
        return {}
    if row is None:
        row = _new_row(session, now)
        now_in_force = over(settings, row)  # as another first change at once may have left it
        changed = {n: (old, v) for n, (_, v) in changed.items()
                   if (old := getattr(now_in_force, BY_NAME[n].setting)) != v}  # fmt: skip
        if not changed:
            return {}
    for name, (_, value) in changed.items():
        setattr(row, BY_NAME[name].setting, value)
    row.version += 1
    row.changed_at, row.changed_by_id = now, actor.id
    audit(session, actor, "policy_changed", "security_policy", SUCCESS, address, now,
          {name: {"from": old, "to": new} for name, (old, new) in changed.items()})  # fmt: skip
    return changed


def _new_row(session: Session, now: datetime) -> SecurityPolicy:
    """The first policy row (``version`` 0, every value the default), locked for this
    transaction — made in a savepoint, so two first changes at once do not fail: the second
    waits on the first's row and then locks it."""
    try:
        with session.begin_nested():
            session.add(SecurityPolicy(id=POLICY_ID, version=0, changed_at=now))
    except IntegrityError:
        pass  # made by another transaction meanwhile: lock that one
    row = session.get(SecurityPolicy, POLICY_ID, with_for_update=True, populate_existing=True)
    assert row is not None
    return row
