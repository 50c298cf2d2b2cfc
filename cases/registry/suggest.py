"""“您是不是要找”: the registered units whose names are closest to what was typed, so a complaint
names the unit as the register does (routing matches the exact name: 属地管理 needs it).

Similarity is the Dice coefficient of character bigrams — Chinese unit names share long runs
(鹿泉区…局), and a typo or a dropped character keeps most bigrams — with a bonus when one name
contains the other (a short form: 教育局 for 鹿泉区教育局). Only the actor's own authority's
register is searched: another authority's units are not this page's business (the intake
forwards those by the exact name).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.models import Unit, User

#: Suggestions shown, and the least similarity worth showing.
LIMIT = 5
THRESHOLD = 0.3
#: Names compared at most (a district's register holds a few thousand units).
SCAN_LIMIT = 50_000
#: What is typed, at most (a unit's name is 200 characters at most).
MAX_QUERY = 200


@dataclass(frozen=True)
class Suggestion:
    id: int
    name: str
    credit_code: str
    score: float


def _bigrams(text: str) -> list[str]:
    text = "".join(text.split())
    return [text[i : i + 2] for i in range(len(text) - 1)] or ([text] if text else [])


def similarity(typed: str, name: str) -> float:
    """0..1: shared bigrams (Dice), raised to at least 0.6 when one name contains the other."""
    a, b = _bigrams(typed), _bigrams(name)
    if not a or not b:
        return 0.0
    pool = list(b)
    shared = 0
    for gram in a:
        if gram in pool:
            pool.remove(gram)
            shared += 1
    score = 2 * shared / (len(a) + len(b))
    squeezed_typed, squeezed_name = "".join(typed.split()), "".join(name.split())
    if len(squeezed_typed) >= 2 and (
        squeezed_typed in squeezed_name or squeezed_name in squeezed_typed
    ):
        score = max(score, 0.6 + 0.4 * score)
    return score


def suggest_units(session: Session, actor: User, typed: str) -> list[Suggestion]:
    """The closest registered units of the actor's authority to ``typed``, best first."""
    typed = typed.strip()[:MAX_QUERY]
    if len(typed) < 2 or actor.authority_id is None:
        return []
    rows = session.execute(
        select(Unit.id, Unit.name, Unit.credit_code)
        .where(Unit.authority_id == actor.authority_id)
        .order_by(Unit.id)
        .limit(SCAN_LIMIT)
    ).all()
    scored = [
        Suggestion(i, n, c, s) for i, n, c in rows if (s := similarity(typed, n)) >= THRESHOLD
    ]
    scored.sort(key=lambda x: (-x.score, len(x.name), x.id))
    return scored[:LIMIT]


def exact_unit(session: Session, actor: User, typed: str) -> Unit | None:
    """The actor's authority's unit of exactly this name (then no suggestion is needed)."""
    name = typed.strip()
    if not name or actor.authority_id is None:
        return None
    return session.scalar(
        select(Unit).where(Unit.authority_id == actor.authority_id, Unit.name == name).limit(1)
    )
