"""What a request may carry before any view or query sees it: ids in URLs, and text.

Two protections that hold for every route, including routes added later, without a view doing
anything:

* **Ids in URLs** — ``<id:case_id>`` (and ``<int:...>``, which the app maps to the same bounded
  reading) matches ASCII digits only and a value a PostgreSQL ``integer`` holds. Werkzeug's own
  ``int`` accepts any Unicode digit (``/cases/１`` was case 1) and any size (``/cases/2147483648``
  reached PostgreSQL, ``/cases/9223372036854775808`` overflowed SQLite); both are now a plain 404,
  the answer for a record that does not exist.
* **Text** — :func:`refuse_control_characters`, run before every request, refuses a query string,
  form, JSON body or URL part holding NUL or another control character (PostgreSQL rejects NUL in
  text; the others have no place in a form and some disguise what a value says) with a 400 that
  names the parameter, in Chinese and English.

Views read numbers from the query string with :func:`whole_number_arg` (the same bounds).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import request
from werkzeug.routing import BaseConverter, Map, ValidationError

from cases.core.errors import InvalidFilter
from cases.core.text import control_character
from workflows.fields import INT4_MAX


class IdConverter(BaseConverter):
    """A record id in a URL: ASCII digits without a leading zero, 1..2³¹−1, else no match (404)."""

    regex = r"[1-9][0-9]{0,9}"
    weight = 50
    part_isolating = True
    lowest = 1

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        # ``<int(min=1):…>``-style arguments are accepted and ignored: the bounds are the table's.
        super().__init__(map)

    def to_python(self, value: str) -> int:
        number = int(value)
        if not self.lowest <= number <= INT4_MAX:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


class WholeNumberConverter(IdConverter):
    """What ``<int:…>`` means in this app: ASCII digits, 0..2³¹−1 (a page, a year, an id)."""

    regex = r"0|[1-9][0-9]{0,9}"
    lowest = 0


CONVERTERS: dict[str, type[BaseConverter]] = {"id": IdConverter, "int": WholeNumberConverter}


_WHOLE_NUMBER = re.compile(r"[0-9]{1,10}")


def whole_number_arg(name: str, label_zh: str, label_en: str) -> int | None:
    """The query parameter ``name`` as a whole number (a unit id, a page), ``None`` if absent:
    ASCII digits and at most 2³¹−1, else a 400 naming the parameter (``InvalidFilter``)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not _WHOLE_NUMBER.fullmatch(raw) or int(raw) > INT4_MAX:
        raise InvalidFilter(
            f"{label_zh}参数无效：“{raw[:40]}”不是正整数。",
            f"Invalid {label_en}: {raw[:40]!r} is not a positive whole number.",
        )
    return int(raw)


def _texts() -> Iterator[tuple[str, str]]:
    """Every (name, text) a request carries: query string, form fields, URL parts, JSON strings."""
    for source in (request.args, request.form):
        for name, values in source.lists():
            yield name, name
            for value in values:
                yield name, value
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            yield name, value
    if request.is_json:
        yield from _json_texts("json", request.get_json(silent=True))


def _json_texts(name: str, value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key), str(key)
            yield from _json_texts(str(key), item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_texts(name, item)


def refuse_control_characters() -> None:
    """Before every request: a 400 naming the first parameter that holds a control character."""
    for name, text in _texts():
        found = control_character(text)
        if found is not None:
            shown = name.encode("unicode_escape").decode("ascii")[:40]
            raise InvalidFilter(
                f"参数“{shown}”含有不允许的控制字符（U+{ord(found):04X}），请删除后重试。",
                f"Parameter {shown!r} contains a control character (U+{ord(found):04X}) "
                "that is not accepted.",
            )
