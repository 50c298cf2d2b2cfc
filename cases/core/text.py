"""Which characters no input may carry, wherever it comes from: a form, the API, a file, the CLI.

One definition, so the web app's request check, the trigger fields, the unit import and the
command line refuse the same things.
"""

from __future__ import annotations

import re

#: C0 and C1 controls except tab, line feed and carriage return (a text area sends those), and
#: the bidirectional embeddings, overrides and isolates, which make a value read otherwise than
#: it is ("\u202egpj.exe" shows as "exe.jpg"). PostgreSQL refuses NUL in text outright.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def control_character(text: str) -> str | None:
    """The first character of ``text`` that no input may carry, or ``None``."""
    found = _CONTROL.search(text)
    return found.group() if found else None
