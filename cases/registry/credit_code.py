"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

Every supervised unit is identified by its 18-character code (DESIGN §1: "unified social
credit code, validated checksum"). The standard fixes the character set (digits and upper-case
Latin letters without I, O, Z, S, V — 31 characters, whose index is each character's value),
the weights of positions 1–17 (3**i mod 31) and the check character in position 18:
``CHARSET[(31 - Σ value·weight mod 31) mod 31]``.

Errors say precisely what is wrong, in Chinese and English, because the person fixing a typo
is usually reading a paper licence (营业执照) and needs to know which character to look at.
"""

from __future__ import annotations

import unicodedata

__all__ = [
    "CHARSET",
    "LENGTH",
    "WEIGHTS",
    "InvalidCreditCode",
    "check_character",
    "is_valid_credit_code",
    "make_credit_code",
    "normalise_credit_code",
    "validate_credit_code",
]

#: GB 32100-2015 table: the 31 code characters, in value order (no I, O, Z, S, V).
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Total length of a code: 17 information characters plus one check character.
LENGTH = 18
#: Weights of positions 1–17 (GB 32100-2015 §4.2): 3**i mod 31 for i = 0..16.
WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(LENGTH - 1))

_VALUE = {ch: i for i, ch in enumerate(CHARSET)}


class InvalidCreditCode(ValueError):
    """A string that is not a valid 统一社会信用代码.

    Attributes:
        reason_zh: the reason in Chinese, for the UI's default language.
        reason_en: the reason in English.
    """

    def __init__(self, reason_zh: str, reason_en: str) -> None:
        super().__init__(f"{reason_zh} ({reason_en})")
        self.reason_zh = reason_zh
        self.reason_en = reason_en


def normalise_credit_code(code: str) -> str:
    """Return ``code`` stripped, with full-width characters made half-width, upper-cased.

    Codes are often typed with a Chinese input method (full-width "９１３５…", "Ａ") or pasted with
    surrounding spaces (including the ideographic space U+3000); NFKC folds those to ASCII so the
    same unit is not registered twice under two spellings.
    """
    if not isinstance(code, str):
        raise TypeError(f"expected a str, got {type(code).__name__}")
    return unicodedata.normalize("NFKC", code).strip().upper()


def _check_characters(chars: str) -> None:
    """Raise :class:`InvalidCreditCode` at the first character outside :data:`CHARSET`."""
    for position, ch in enumerate(chars, start=1):
        if ch not in _VALUE:
            raise InvalidCreditCode(
                f"第{position}位字符“{ch}”不是统一社会信用代码允许的字符"
                "（仅限数字0–9和除I、O、Z、S、V以外的大写字母）",
                f"character {ch!r} at position {position} is not allowed in a unified social "
                "credit code (digits 0-9 and upper-case letters except I, O, Z, S, V)",
            )


def _compute_check(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def check_character(first17: str) -> str:
    """Return the check character (position 18) for the 17 information characters ``first17``.

    ``first17`` is normalised first (see :func:`normalise_credit_code`).

    Raises:
        InvalidCreditCode: if it is not 17 characters long or holds a character outside the set.
    """
    first17 = normalise_credit_code(first17)
    if len(first17) != LENGTH - 1:
        raise InvalidCreditCode(
            f"本体代码应为{LENGTH - 1}位，实际为{len(first17)}位",
            f"the information part must be {LENGTH - 1} characters long, got {len(first17)}",
        )
    _check_characters(first17)
    return _compute_check(first17)


def validate_credit_code(code: str) -> str:
    """Return the normalised ``code`` if it is a valid 统一社会信用代码, else raise.

    Checks, in order: length (18), character set (reporting the first bad position), and the check
    character (reporting the expected one).

    Raises:
        InvalidCreditCode: with ``reason_zh``/``reason_en`` naming the precise fault.
    """
    normalised = normalise_credit_code(code)
    if len(normalised) != LENGTH:
        raise InvalidCreditCode(
            f"统一社会信用代码应为{LENGTH}位，实际为{len(normalised)}位",
            f"a unified social credit code has {LENGTH} characters, got {len(normalised)}",
        )
    _check_characters(normalised)
    expected = _compute_check(normalised[:-1])
    actual = normalised[-1]
    if actual != expected:
        raise InvalidCreditCode(
            f"校验码错误：第{LENGTH}位应为“{expected}”，实际为“{actual}”",
            f"wrong check character: position {LENGTH} should be {expected!r}, got {actual!r}",
        )
    return normalised


def is_valid_credit_code(code: object) -> bool:
    """Return whether ``code`` is a valid 统一社会信用代码 (any non-string is simply invalid)."""
    if not isinstance(code, str):
        return False
    try:
        validate_credit_code(code)
    except InvalidCreditCode:
        return False
    return True


def make_credit_code(first17: str) -> str:
    """Return the full 18-character code: normalised ``first17`` plus its check character.

    Used by demo-data generators and tests to make codes that pass :func:`validate_credit_code`.

    Raises:
        InvalidCreditCode: as :func:`check_character`.
    """
    first17 = normalise_credit_code(first17)
    return first17 + check_character(first17)
