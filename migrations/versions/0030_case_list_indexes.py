"""case list indexes: the list's newest-first page read from an index, not a sort of every case

The case list shows an authority's (or a unit's) cases newest first, 50 at a time. Without an
index on the order, PostgreSQL read and sorted all of them for each page (≈100 ms at 100,000
cases); with ``(authority_id, opened_at, id)`` and ``(unit_id, opened_at, id)`` it reads the 50
rows the page shows. ``(authority_id, state, opened_at, id)`` does the same for the state
filter. ``units (name, id)`` lets the unit filter's choices, in name order, stop at the few
hundred the page offers instead of sorting every unit.

Revision ID: 0030
Revises: 0029
"""

from __future__ import annotations

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


INDEXES = (
    ("ix_cases_authority_opened", "cases", ["authority_id", "opened_at", "id"]),
    ("ix_cases_authority_state_opened", "cases", ["authority_id", "state", "opened_at", "id"]),
    ("ix_cases_unit_opened", "cases", ["unit_id", "opened_at", "id"]),
    ("ix_units_name", "units", ["name", "id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
