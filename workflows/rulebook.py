"""What both machines (case, inspection record) are written with: a state with its labels, and
the digest that pins a machine's definition to its version number.

A stored case or inspection record names the machine version it was opened under; if the table
of states, transitions or roles changes without a new version, old records would silently follow
new rules. Each machine keeps ``KNOWN_DIGESTS[version]`` and a test compares it with this."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StateInfo:
    name: str
    label_zh: str
    label_en: str


def definition_digest(
    states: Iterable[str], transitions: Iterable[Mapping[str, Any]], who_may: Mapping[str, Any]
) -> str:
    """SHA-256 of the definition's data in canonical JSON, independent of object identity."""
    doc = {
        "states": list(states),
        "transitions": list(transitions),
        "who_may": {k: sorted(v) for k, v in sorted(who_may.items())},
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=list).encode()).hexdigest()
