"""统一社会信用代码 (GB 32100-2015): normalisation, checksum and precise error reasons."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cases.registry.credit_code import (
    CHARSET,
    WEIGHTS,
    InvalidCreditCode,
    check_character,
    is_valid_credit_code,
    make_credit_code,
    normalise_credit_code,
    validate_credit_code,
)

# Codes printed on real licences / in public registers; their check characters were verified by
# hand against GB 32100-2015's algorithm.
KNOWN_VALID = ["91350100M000100Y43", "91110000802100433B"]

first17s = st.text(alphabet=CHARSET, min_size=17, max_size=17)


def test_charset_and_weights_follow_the_standard() -> None:
    assert len(CHARSET) == 31
    assert not set("IOZSV") & set(CHARSET)
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_valid_codes_pass(code: str) -> None:
    assert validate_credit_code(code) == code
    assert is_valid_credit_code(code)
    assert check_character(code[:17]) == code[17]
    assert make_credit_code(code[:17]) == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  91350100M000100Y43\n", "91350100M000100Y43"),
        ("91110000802100433b", "91110000802100433B"),
        # full-width digits and letters and an ideographic space, as typed with a Chinese IME
        ("\u3000９１１１００００８０２１００４３３Ｂ\u3000", "91110000802100433B"),
    ],
)
def test_normalisation_strips_upcases_and_folds_full_width(raw: str, expected: str) -> None:
    assert normalise_credit_code(raw) == expected
    assert validate_credit_code(raw) == expected


@pytest.mark.parametrize("code", ["", "9135010", "91350100M000100Y4", "91350100M000100Y433"])
def test_wrong_length_reports_the_actual_length(code: str) -> None:
    with pytest.raises(InvalidCreditCode) as excinfo:
        validate_credit_code(code)
    err = excinfo.value
    assert f"实际为{len(code)}位" in err.reason_zh
    assert f"got {len(code)}" in err.reason_en
    assert isinstance(err, ValueError)


@pytest.mark.parametrize(
    ("code", "position", "char"),
    [
        ("I1350100M000100Y43", 1, "I"),
        ("91350100MO00100Y43", 10, "O"),
        ("91350100M000100Y4S", 18, "S"),
        ("9135-100M000100Y43", 5, "-"),
        ("9135010VM000100Z43", 8, "V"),  # the first bad character is reported
    ],
)
def test_illegal_character_reports_its_position(code: str, position: int, char: str) -> None:
    with pytest.raises(InvalidCreditCode) as excinfo:
        validate_credit_code(code)
    err = excinfo.value
    assert f"第{position}位" in err.reason_zh
    assert f"“{char}”" in err.reason_zh
    assert f"position {position}" in err.reason_en
    assert repr(char) in err.reason_en


def test_wrong_check_character_reports_the_expected_one() -> None:
    with pytest.raises(InvalidCreditCode) as excinfo:
        validate_credit_code("91350100M000100Y44")
    err = excinfo.value
    assert "校验码" in err.reason_zh
    assert "应为“3”" in err.reason_zh
    assert "实际为“4”" in err.reason_zh
    assert "should be '3'" in err.reason_en
    assert "got '4'" in err.reason_en
    assert err.reason_zh in str(err)
    assert err.reason_en in str(err)


@pytest.mark.parametrize("value", [None, 91350100, b"91350100M000100Y43", "not a code"])
def test_is_valid_is_false_for_anything_else(value: object) -> None:
    assert is_valid_credit_code(value) is False


def test_check_character_needs_exactly_17_legal_characters() -> None:
    with pytest.raises(InvalidCreditCode) as excinfo:
        check_character("91350100M000100Y")
    assert "实际为16位" in excinfo.value.reason_zh
    with pytest.raises(InvalidCreditCode) as excinfo:
        make_credit_code("91350100M000100I4")
    assert "第16位" in excinfo.value.reason_zh


@given(first17s)
def test_made_codes_validate(first17: str) -> None:
    code = make_credit_code(first17)
    assert len(code) == 18
    assert validate_credit_code(code) == code


@given(first17s, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=30))
def test_any_single_character_error_is_caught(first17: str, position: int, shift: int) -> None:
    """31 is prime and no weight is 0 mod 31, so one wrong character always breaks the check."""
    code = make_credit_code(first17)
    wrong = CHARSET[(CHARSET.index(code[position]) + shift) % 31]
    typo = code[:position] + wrong + code[position + 1 :]
    assert not is_valid_credit_code(typo)
