"""``oversight db upgrade``: migrate as the owner, load the reference data, re-grant the app.

Why in one place: a migration that adds a table must be followed by the app role's grants, or
the app cannot use the table (default privileges give it ``SELECT, INSERT`` only); doing both
in one command means nobody forgets the second step.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from cases.casework.rules_in_force import move_open_cases
from cases.core.clock import utcnow
from cases.core.db import command_session, make_engine, make_session_factory
from cases.core.migrate import upgrade
from cases.operations.roles import app_role_for, regrant
from cases.reference.sync import sync_reference_data
from cases.registry.records import record_unrecorded


def upgrade_database(
    database_url: str,
    owner_url: str = "",
    app_role: str | None = None,
    app_sessions: sessionmaker[Session] | None = None,
) -> str:
    """Migrate the schema to head and load reference data, as the owner when ``owner_url`` is
    given (then re-apply the app role's grants); returns what was done, in one line.

    Without an owner URL the reference data goes through ``app_sessions`` (the app's own)."""
    url = owner_url or database_url
    upgrade(url)
    engine = make_engine(url) if owner_url or app_sessions is None else None
    try:
        factory = make_session_factory(engine) if engine is not None else app_sessions
        with command_session(factory) as session:
            added = sync_reference_data(session)
        with command_session(factory) as session:
            moved = move_open_cases(session, utcnow())
            recorded = record_unrecorded(session, utcnow())
    finally:
        if engine is not None:
            engine.dispose()
    done = f"schema up to date; reference data added: {added}"
    if moved:
        done += f"; open cases moved to the rules in force: {moved}"
    if recorded:
        done += f"; incidents and self-reports entered in the register: {recorded}"
    if owner_url and url.startswith("postgresql"):
        role = app_role_for(owner_url, database_url, app_role)
        report = regrant(owner_url, role)
        done += (
            f"; grants of {role} re-applied"
            if report
            else f"; no role {role} yet (run `oversight db roles`)"
        )
    return done
