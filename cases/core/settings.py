"""Settings, read once from ``OVERSIGHT_*`` environment variables, each with an embedded default.

Why defaults everywhere: the README's first command must start the whole system on a fresh
machine with nothing configured — a SQLite file and a broker that needs no server. Production
points the same variables at PostgreSQL and Redis.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

PREFIX = "OVERSIGHT_"


def _instance_dir() -> Path:
    return Path(os.environ.get(PREFIX + "INSTANCE_DIR", Path.cwd() / "var")).resolve()


def _close_instance(instance: Path) -> None:
    """The instance folder holds complaints, attachments and reports: nobody else's to read
    (0700), also when an older installation made it 0755. Someone else's folder is theirs, and
    a shared one (sticky, like /tmp) is never closed by mistake."""
    with contextlib.suppress(PermissionError, FileNotFoundError):
        info = instance.stat()
        if info.st_uid == os.getuid() and not info.st_mode & stat.S_ISVTX:
            instance.chmod(0o700)


def _default_secret_key(instance: Path) -> str:
    """A random key kept in the instance folder, so sessions survive restarts without setup."""
    path = instance / "secret_key"
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    _close_instance(instance)
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(key)
    return key


#: The bounds of the password and session policy (等保 2.0 level 3, LAW.md): the environment's
#: defaults and the security administrator's policy row (:mod:`cases.accounts.policy`) are both
#: held to them, so neither can loosen the level-3 floors — at least 8 characters, none of the
#: last 5 again, locked after at most 5 failures for at least 10 minutes, signed out after at
#: most 15 idle minutes (LAW.md allows 30; the issue's default 15 is kept as the ceiling).
POLICY_BOUNDS: dict[str, tuple[int, int]] = {
    "password_min_length": (8, 128),
    "password_history": (5, 24),
    "password_rotation_days": (0, 3650),
    "lockout_failures": (1, 5),
    "lockout_minutes": (10, 24 * 60),
    "idle_timeout_minutes": (1, 15),
    "session_hours": (1, 24 * 7),
}


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable; build with :func:`load_settings` or ``replace`` in tests."""

    database_url: str
    broker_url: str
    secret_key: str = field(repr=False)  # never in a log line
    instance_dir: Path
    #: Period for back-filling the written notice after emergency measures (hours), by analogy
    #: with 行政强制法 art 19 (LAW.md): report to the agency head within 24 hours.
    emergency_backfill_hours: int = 24
    #: 限期改正 reminders: working days before the last day (at 09:00 Asia/Shanghai).
    rectification_reminder_days: tuple[int, ...] = (3, 1)
    #: Back-fill reminders: every this many hours until the written notice is issued.
    backfill_reminder_hours: int = 4
    #: Days the receiving body is given to answer a referral in writing (条例 art 46 sets no
    #: period; a month is practice [U]).
    referral_answer_days: int = 30
    #: Days the authorities an escalation reports to are given to answer (seed 监督检查措施 (四)
    #: sets no period; a month by analogy with referrals [U]).
    escalation_answer_days: int = 30
    #: Outbound reports and circulars: POST here if set, else signed JSON files in <instance>/outbox.
    outbox_url: str = ""
    #: SMTP for e-mail copies of notifications, e.g. ``smtp://mail.example:25`` (empty: in-app only).
    smtp_url: str = ""
    mail_from: str = "oversight@localhost"
    #: How often beat asks for a sweep of due deadlines (seconds).
    sweep_seconds: int = 30
    #: Deadlines fired per sweep transaction (each in its own savepoint).
    sweep_batch: int = 200
    #: A deadline still pending this many sweep periods (plus a minute) after it fell due is
    #: late: ``/health`` answers 503 and ``oversight health beat`` fails (the sweeps stopped).
    late_after_sweeps: int = 3
    #: Hash for the per-case event chain; ``sm3`` where OpenSSL offers it (商用密码), else sha256.
    event_hash_algorithm: str = "auto"
    #: Files from outside: rows an import sheet may have (blank ones too), megabytes an
    #: XLSX may unpack to (counted while decompressing), megabytes of an uploaded import file
    #: and of each complaint attachment (enforced while reading).
    import_max_rows: int = 200_000
    import_max_unpacked_mb: int = 256
    import_upload_max_mb: int = 50
    attachment_max_mb: int = 20

    #: The chain key (hex, ``OVERSIGHT_CHAIN_KEY``); empty: read from ``chain_key_file`` (default
    #: ``<instance>/chain_key``, generated on first use). Never stored in the database.
    chain_key: str = field(default="", repr=False)
    chain_key_file: Path | None = None
    #: Retired chain keys (hex, one a line; default ``<instance>/chain_keys``): old links verify.
    chain_keys_file: Path | None = None
    #: Signed checkpoints of every chain head (default ``<instance>/checkpoints``).
    checkpoint_dir: Path | None = None
    #: The bureau's licensed fonts for official documents (仿宋_GB2312, 方正小标宋, …: TTF/OTF
    #: files, ``OVERSIGHT_FONT_DIR``); unset, the free Noto Serif CJK SC (cases/documents/fonts.py).
    font_dir: Path | None = None
    #: An SM2 private key (PEM) to sign each issued document's digest with; unset, none is signed.
    document_key_file: Path | None = None
    #: The sweeper writes a checkpoint when the newest is older than this (hours).
    checkpoint_hours: int = 24
    #: 自查报告 (条例 art 45): the day (MM-DD, Asia/Shanghai) a public-sector unit's yearly
    #: self-report is due, and how many days before it its liaisons are reminded (weekly).
    selfreport_due: str = "11-30"
    selfreport_remind_days: int = 30
    #: Who the signed archive-security inspections are reported to (docs/municipal-report.md).
    municipal_recipient: str = "市档案安全信息系统"
    #: The grade bands (LAW.md grading): the least share of conforming items, in percent, for
    #: 优秀, 良好 and 合格; below the last, 不合格.
    grade_bands: tuple[int, int, int] = (80, 70, 60)
    #: The site is served over TLS (by a proxy in front): the session cookie is sent only so.
    secure_cookies: bool = False
    #: One reverse proxy in front terminates TLS: its X-Forwarded-For/-Proto/-Host are believed.
    behind_proxy: bool = False
    #: 行政处罚法 art 60 "另有规定的，从其规定": at most this many days by which the agency's
    #: responsible person may extend a penalty's 90-day decision period, once (0: no extension).
    penalty_extension_days: int = 30

    #: The password and session policy's defaults (:data:`POLICY_BOUNDS`); the security
    #: administrator's policy row overrides them (:func:`cases.accounts.policy.effective`).
    #: Sign-in (等保 2.0 身份鉴别): the shortest password, how many earlier passwords may not
    #: come back, and after how many days a password must be changed (0: never).
    password_min_length: int = 8
    password_history: int = 5
    password_rotation_days: int = 90
    #: Lock-out: this many failed sign-ins in a row lock the account for ``lockout_minutes``.
    lockout_failures: int = 5
    lockout_minutes: int = 10
    #: Failed sign-ins one address may make per ``signin_address_window`` seconds.
    signin_address_limit: int = 20
    signin_address_window: int = 600
    #: A signed-in session ends after this many idle minutes (the web layer's sessions).
    idle_timeout_minutes: int = 15
    #: A browser session ends this many hours after sign-in whatever its activity.
    session_hours: int = 12
    #: Days an API token for the command line is valid by default.
    token_days: int = 30
    #: Days the audit log is kept at least (never fewer than 183: six months).
    audit_retention_days: int = 183
    #: The tables' owner, for the beat's daily audit retention (empty: the retention is run by
    #: hand with ``oversight audit prune --owner-url``; on SQLite the app is the owner).
    owner_database_url: str = field(default="", repr=False)  # may hold a password

    @property
    def late_grace(self) -> timedelta:
        """How long after its due time a deadline may still be pending before it is late."""
        return timedelta(seconds=self.late_after_sweeps * self.sweep_seconds + 60)

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    instance = Path(env.get(PREFIX + "INSTANCE_DIR") or _instance_dir()).resolve()
    _close_instance(instance)

    def get(name: str, default: str) -> str:
        return env.get(PREFIX + name) or default

    def flag(name: str) -> bool:
        raw = env.get(PREFIX + name, "").strip().lower()
        if raw not in ("", "0", "1", "true", "false", "yes", "no"):
            raise SettingsError(f"{PREFIX}{name} must be 1 or 0, got {raw!r}")
        return raw in ("1", "true", "yes")

    def whole(name: str, default: int, low: int, high: int) -> int:
        raw = get(name, str(default))
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise SettingsError(
                f"{PREFIX}{name} must be a whole number from {low} to {high}, got {raw!r}"
            )
        return int(raw)

    def days_list(name: str, default: str) -> tuple[int, ...]:
        raw = env.get(PREFIX + name, default)  # empty: no reminders
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        if not all(p.isdigit() and 1 <= int(p) <= 30 for p in parts):
            raise SettingsError(f"{PREFIX}{name} must list working days from 1 to 30, got {raw!r}")
        return tuple(int(p) for p in parts)

    smtp = env.get(PREFIX + "SMTP_URL", "")
    if smtp and not (smtp.startswith("smtp://") and ":" in smtp.removeprefix("smtp://")):
        raise SettingsError(f"{PREFIX}SMTP_URL must look like smtp://host:port, got {smtp!r}")

    selfreport_due = get("SELFREPORT_DUE", "11-30")
    if not _month_day(selfreport_due):
        raise SettingsError(f"{PREFIX}SELFREPORT_DUE must be a day MM-DD, got {selfreport_due!r}")

    raw_bands = get("GRADE_BANDS", "80,70,60")
    bands = [b.strip() for b in raw_bands.split(",")]
    if not (
        len(bands) == 3
        and all(b.isdigit() and 0 < int(b) <= 100 for b in bands)
        and int(bands[0]) > int(bands[1]) > int(bands[2])
    ):
        raise SettingsError(
            f"{PREFIX}GRADE_BANDS must be three falling percentages such as 80,70,60, "
            f"got {raw_bands!r}"
        )

    algorithm = get("EVENT_HASH", "auto")
    if algorithm not in ("auto", "sm3", "sha256"):
        raise SettingsError(f"{PREFIX}EVENT_HASH must be auto, sm3 or sha256, got {algorithm!r}")

    return Settings(
        database_url=get("DATABASE_URL", f"sqlite:///{instance / 'oversight.db'}"),
        broker_url=get("BROKER_URL", f"sqla+sqlite:///{instance / 'broker.db'}"),
        secret_key=env.get(PREFIX + "SECRET_KEY") or _default_secret_key(instance),
        instance_dir=instance,
        emergency_backfill_hours=whole("EMERGENCY_BACKFILL_HOURS", 24, 1, 720),
        sweep_seconds=whole("SWEEP_SECONDS", 30, 1, 3600),
        smtp_url=smtp,
        outbox_url=env.get(PREFIX + "OUTBOX_URL", ""),
        referral_answer_days=whole("REFERRAL_ANSWER_DAYS", 30, 1, 365),
        escalation_answer_days=whole("ESCALATION_ANSWER_DAYS", 30, 1, 365),
        mail_from=get("MAIL_FROM", "oversight@localhost"),
        rectification_reminder_days=days_list("RECTIFICATION_REMINDERS", "3,1"),
        backfill_reminder_hours=whole("BACKFILL_REMINDER_HOURS", 4, 1, 24),
        sweep_batch=whole("SWEEP_BATCH", 200, 1, 10_000),
        late_after_sweeps=whole("LATE_AFTER_SWEEPS", 3, 1, 1000),
        event_hash_algorithm=algorithm,
        import_max_rows=whole("IMPORT_MAX_ROWS", 200_000, 2, 10_000_000),
        import_max_unpacked_mb=whole("IMPORT_MAX_UNPACKED_MB", 256, 1, 65_536),
        import_upload_max_mb=whole("IMPORT_UPLOAD_MAX_MB", 50, 1, 4096),
        attachment_max_mb=whole("ATTACHMENT_MAX_MB", 20, 1, 4096),
        chain_key=env.get(PREFIX + "CHAIN_KEY", ""),
        chain_key_file=_path(env.get(PREFIX + "CHAIN_KEY_FILE")),
        chain_keys_file=_path(env.get(PREFIX + "CHAIN_KEYS_FILE")),
        checkpoint_dir=_path(env.get(PREFIX + "CHECKPOINT_DIR")),
        font_dir=_path(env.get(PREFIX + "FONT_DIR")),
        document_key_file=_path(env.get(PREFIX + "DOCUMENT_KEY_FILE")),
        checkpoint_hours=whole("CHECKPOINT_HOURS", 24, 1, 24 * 31),
        selfreport_due=selfreport_due,
        selfreport_remind_days=whole("SELFREPORT_REMIND_DAYS", 30, 0, 365),
        municipal_recipient=get("MUNICIPAL_RECIPIENT", "市档案安全信息系统"),
        grade_bands=(int(bands[0]), int(bands[1]), int(bands[2])),
        secure_cookies=flag("SECURE_COOKIES"),
        behind_proxy=flag("BEHIND_PROXY"),
        password_min_length=whole("PASSWORD_MIN_LENGTH", 8, *POLICY_BOUNDS["password_min_length"]),
        password_history=whole("PASSWORD_HISTORY", 5, *POLICY_BOUNDS["password_history"]),
        password_rotation_days=whole(
            "PASSWORD_ROTATION_DAYS", 90, *POLICY_BOUNDS["password_rotation_days"]
        ),
        lockout_failures=whole("LOCKOUT_FAILURES", 5, *POLICY_BOUNDS["lockout_failures"]),
        lockout_minutes=whole("LOCKOUT_MINUTES", 10, *POLICY_BOUNDS["lockout_minutes"]),
        signin_address_limit=whole("SIGNIN_ADDRESS_LIMIT", 20, 1, 100_000),
        signin_address_window=whole("SIGNIN_ADDRESS_WINDOW", 600, 1, 86_400),
        idle_timeout_minutes=whole(
            "IDLE_TIMEOUT_MINUTES", 15, *POLICY_BOUNDS["idle_timeout_minutes"]
        ),
        session_hours=whole("SESSION_HOURS", 12, *POLICY_BOUNDS["session_hours"]),
        token_days=whole("TOKEN_DAYS", 30, 1, 366),
        audit_retention_days=whole("AUDIT_RETENTION_DAYS", 183, 183, 36_500),
        owner_database_url=get("OWNER_DATABASE_URL", ""),
        penalty_extension_days=whole("PENALTY_EXTENSION_DAYS", 30, 0, 365),
    )


def _month_day(raw: str) -> bool:
    """``MM-DD`` naming a day every year has (29 February is refused)."""
    month, _, day = raw.partition("-")
    if not (len(month) == 2 and len(day) == 2 and month.isdigit() and day.isdigit()):
        return False
    try:
        date(2026, int(month), int(day))
    except ValueError:
        return False
    return True


def _path(raw: str | None) -> Path | None:
    return Path(raw).resolve() if raw else None


_current: Settings | None = None


def current_settings() -> Settings:
    """The process's settings, read from the environment once (services call this on hot paths)."""
    global _current
    if _current is None:
        _current = load_settings()
    return _current
