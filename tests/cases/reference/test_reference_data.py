"""Reference data: checklists, dated citations, routing, public services."""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest

from cases.reference import data as rd
from cases.reference.data import (
    CHECKLISTS,
    CITATIONS,
    INSPECTION_KINDS,
    INSPECTION_METHODS,
    PUBLIC_SERVICES,
    REGIMES,
    RESPONSIBILITY_BOUNDARIES,
    Certainty,
    ChecklistSpec,
    Purpose,
    checklist_for,
    citation_for_key,
    citations_for,
    load_reference,
    route_matter,
)
from cases.reference.data.loader import FILES, ReferenceDataError

SEED_NAME = "000_880a41305e712c61.txt"
REPOSITORY = Path(__file__).resolve().parents[3]


def _seed_file() -> Path:
    """The seed document: in ``$OVERSIGHT_SEED_DIR``, or in the ``shared/seed`` folder that sits
    next to the checkout (looked for beside the repository and each folder above it)."""
    if os.environ.get("OVERSIGHT_SEED_DIR"):
        return Path(os.environ["OVERSIGHT_SEED_DIR"]) / SEED_NAME
    for folder in REPOSITORY.parents:
        if (folder / "shared" / "seed" / SEED_NAME).is_file():
            return folder / "shared" / "seed" / SEED_NAME
    return REPOSITORY.parent / "shared" / "seed" / SEED_NAME


SEED = _seed_file()
TODAY = date(2026, 11, 25)


def _titles(cites) -> set[str]:
    return {c.title_zh for c in cites}


def _refs(cites) -> set[str]:
    return {c.cite_zh for c in cites}


# --- checklists --------------------------------------------------------------------------------


def test_data_is_consistent():
    assert rd.validate() == []


@pytest.mark.parametrize(
    ("regime", "prefix", "titles"),
    [
        ("electronic", "EA", ["制度与工作程序", "真实性", "完整性", "有效性", "安全保密", "其他"]),
        (
            "security",
            "AS",
            [
                "工作机制",
                "法制化规范化常态化",
                "硬件设施与“八防”",
                "信息系统安全防护",
                "应急处置机制",
                "信息公开保密审查",
                "涉密系统与载体",
                "其他",
            ],
        ),
    ],
)
def test_checklist_items_in_order(regime, prefix, titles):
    cl = checklist_for(regime, TODAY)
    assert cl.version == 1
    assert [it.code for it in cl.items] == [f"{prefix}-{n}" for n in range(1, len(titles) + 1)]
    assert [it.position for it in cl.items] == list(range(1, len(titles) + 1))
    assert [it.title_zh for it in cl.items] == titles
    assert len({it.code for it in cl.items}) == len(titles)
    for it in cl.items:
        assert it.title_en and it.text_zh and it.scope_zh and it.scope_en
        assert (it.scope_zh, it.scope_en) in rd.INSPECTION_SCOPES.values()
        assert it.text_zh == it.text_zh.strip() and not re.search(r"\s", it.text_zh)
        assert it.legal_basis_keys


def test_codes_unique_across_all_checklists():
    codes = [(cl.regime, cl.version, it.code) for cl in CHECKLISTS for it in cl.items]
    assert len(codes) == len(set(codes))


@pytest.mark.skipif(
    not SEED.is_file(),
    reason=f"seed document {SEED_NAME} not found: set OVERSIGHT_SEED_DIR to the folder holding it, "
    "or put the shared/seed folder next to the checkout",
)
def test_item_texts_are_verbatim_from_seed():
    seed = "".join(SEED.read_text(encoding="utf-8").split())
    for cl in CHECKLISTS:
        for it in cl.items:
            assert it.text_zh in seed, it.code


def test_information_security_items_and_circular_rule():
    sec = checklist_for("security", TODAY)
    assert {it.code for it in sec.items if it.information_security} == {"AS-4", "AS-6", "AS-7"}
    assert rd.circular_required("security", sec.item("AS-4"))
    assert not rd.circular_required("security", sec.item("AS-3"))
    ele = checklist_for("electronic", TODAY)
    assert not any(rd.circular_required("electronic", it) for it in ele.items)


def test_checklist_for_picks_version_by_date():
    v1 = checklist_for("electronic", TODAY)
    v2 = dataclasses.replace(v1, version=2, effective_from=date(2027, 1, 1), items=v1.items[:5])
    security = checklist_for("security", TODAY)
    data = (*CHECKLISTS, v2)
    assert checklist_for("electronic", date(2026, 12, 31), data) is v1
    assert checklist_for("electronic", date(2027, 1, 1), data) is v2
    assert checklist_for("electronic", date(2030, 6, 1), data) is v2
    assert checklist_for("security", date(2030, 6, 1), data) is security
    with pytest.raises(LookupError):
        checklist_for("electronic", rd.CHECKLIST_V1_FROM - timedelta(days=1), data)
    with pytest.raises(LookupError):
        checklist_for("nonexistent", TODAY, data)


def test_checklist_item_lookup():
    cl: ChecklistSpec = checklist_for("security", TODAY)
    assert cl.item("AS-3").title_en
    with pytest.raises(KeyError):
        cl.item("EA-1")


def test_legal_basis_resolves_by_date():
    item = checklist_for("security", TODAY).item("AS-4")
    now = _refs(rd.legal_basis(item, TODAY))
    assert "《中华人民共和国档案法》第四十二条" in now
    assert "《中华人民共和国档案法》第四十五条" in now
    assert any(r.startswith("《中华人民共和国档案法实施条例》") for r in now)
    earlier = _titles(rd.legal_basis(item, date(2022, 6, 1)))
    assert "中华人民共和国档案法实施办法" in earlier
    assert "中华人民共和国档案法实施条例" not in earlier


# --- citations -----------------------------------------------------------------------------------


def test_rectification_order_2020_uses_old_law_and_measures():
    cites = citations_for(Purpose.RECTIFICATION_ORDER, date(2020, 5, 1))
    assert _titles(cites) == {"中华人民共和国档案法", "中华人民共和国档案法实施办法"}
    law = next(c for c in cites if c.title_zh == "中华人民共和国档案法")
    assert law.valid_to == date(2020, 12, 31)
    assert "1996" in law.title_en


def test_rectification_order_2026_uses_2020_law_regulation_and_province():
    cites = citations_for(Purpose.RECTIFICATION_ORDER, date(2026, 5, 1))
    refs = _refs(cites)
    assert "《中华人民共和国档案法》第四十五条" in refs
    assert _titles(cites) == {
        "中华人民共和国档案法",
        "中华人民共和国档案法实施条例",
        "河北省档案条例",
    }
    assert all(c.valid_from <= date(2026, 5, 1) for c in cites)


@pytest.mark.parametrize(
    "purpose",
    [Purpose.INSPECTION, Purpose.RECTIFICATION_ORDER, Purpose.DISCIPLINARY_REFERRAL],
)
def test_measures_replaced_by_regulation_on_2024_03_01(purpose):
    before = _titles(citations_for(purpose, date(2024, 2, 29)))
    after = _titles(citations_for(purpose, date(2024, 3, 1)))
    assert "中华人民共和国档案法实施办法" in before
    assert "中华人民共和国档案法实施条例" not in before
    assert "中华人民共和国档案法实施条例" in after
    assert "中华人民共和国档案法实施办法" not in after


def test_old_archives_law_until_2020_new_law_from_2021():
    old = [
        c
        for c in citations_for(Purpose.INSPECTION, date(2020, 12, 31))
        if c.title_zh == "中华人民共和国档案法"
    ]
    new = [
        c
        for c in citations_for(Purpose.INSPECTION, date(2021, 1, 1))
        if c.title_zh == "中华人民共和国档案法"
    ]
    assert old and all(c.valid_to == date(2020, 12, 31) for c in old)
    assert new and all(c.valid_from == date(2021, 1, 1) for c in new)
    assert {c.article_zh for c in new} >= {"第四十二条", "第四十三条", "第四十七条"}
    for key in ("archives_law.supervision", "archives_law.discipline"):
        assert citation_for_key(key, date(2020, 12, 31)).valid_to == date(2020, 12, 31)
        assert citation_for_key(key, date(2021, 1, 1)).valid_from == date(2021, 1, 1)


def test_disciplinary_referral_today():
    refs = _refs(citations_for(Purpose.DISCIPLINARY_REFERRAL, TODAY))
    assert "《中华人民共和国档案法》第四十八条" in refs
    assert "《中华人民共和国档案法实施条例》第四十六条" in refs
    assert "《档案管理违法违纪行为处分规定》" in refs
    assert "《中华人民共和国公职人员政务处分法》" in refs


def test_dated_instruments():
    def first_in_force(purpose, title):
        dates = sorted(c.valid_from for c in CITATIONS if c.title_zh == title)
        assert dates, title
        assert _titles(citations_for(purpose, dates[0])) >= {title}
        assert title not in _titles(citations_for(purpose, dates[0] - timedelta(days=1)))
        return dates[0]

    assert first_in_force(Purpose.PENALTY_PROCEDURE, "档案行政处罚程序规定") == date(2023, 4, 1)
    assert first_in_force(Purpose.ELECTRONIC_ARCHIVES, "电子档案管理办法") == date(2024, 11, 1)
    assert first_in_force(Purpose.PROVINCIAL, "河北省档案条例") == date(2024, 10, 1)
    circular = citations_for(Purpose.CIRCULAR, TODAY)
    assert "《中华人民共和国行政处罚法》第九条" in _refs(circular)
    backfill = citations_for(Purpose.EMERGENCY_BACKFILL, TODAY)
    assert "《中华人民共和国行政强制法》第十九条" in _refs(backfill)


def test_every_purpose_has_a_citation_today():
    used = {p for c in CITATIONS for p in c.purposes}
    assert used == set(Purpose.ALL)
    assert set(Purpose.LABELS) == set(Purpose.ALL)
    for purpose in used:
        assert citations_for(purpose, TODAY), purpose


def test_validity_intervals_of_a_key_do_not_overlap():
    by_key: dict[str, list] = {}
    for c in CITATIONS:
        assert c.valid_to is None or c.valid_to >= c.valid_from, c.key
        by_key.setdefault(c.key, []).append(c)
    for key, entries in by_key.items():
        entries.sort(key=lambda c: c.valid_from)
        for a, b in zip(entries, entries[1:], strict=False):
            assert a.valid_to is not None and a.valid_to < b.valid_from, key
    # at most one text of a slot in force on any probe date
    probes = [date(y, m, 1) for y in range(1990, 2028) for m in (1, 3, 7, 10)]
    probes += [date(2020, 12, 31), date(2024, 2, 29), date(2021, 7, 14), date(2021, 7, 15)]
    for key in by_key:
        for day in probes:
            assert sum(1 for c in by_key[key] if c.in_force(day)) <= 1, (key, day)


def test_validate_reports_overlap():
    c = CITATIONS[0]
    clash = dataclasses.replace(c, valid_from=c.valid_from + timedelta(days=10), valid_to=None)
    assert any("overlaps" in p for p in rd.validate(citations=(*CITATIONS, clash)))


# --- boundaries, services, labels ---------------------------------------------------------------


def test_route_illegal_fundraising():
    boundary = route_matter("举报某公司涉嫌 非法集资，承诺高额回报")
    assert boundary is not None
    names = [d.department_zh for d in boundary.departments]
    assert names == ["政法委", "金融办"]
    assert boundary.lead_department_zh == "政法委"
    assert boundary.basis_doc_number == "鹿办字〔2014〕21号"
    assert "打击处置" in boundary.departments[0].duty_zh
    assert "风险排查" in boundary.departments[1].duty_zh
    for text in ("非法证券", "非法 保险 代理", "涉嫌非法吸收公众存款"):
        assert route_matter(text) is RESPONSIBILITY_BOUNDARIES[0]


def test_route_unrelated_matter():
    assert route_matter("档案室漏水，档案受潮") is None
    assert route_matter("") is None


def test_public_services():
    assert [(s.number, s.name_zh, s.office_zh, s.phone) for s in PUBLIC_SERVICES] == [
        (1, "档案业务培训服务", "档案馆业务指导科", "82013255"),
        (2, "馆藏档案资料利用服务", "档案馆档案管理科", "82012725"),
        (3, "人防教育宣传", "人防办", "82011763"),
    ]
    assert all(s.content_zh and s.name_en for s in PUBLIC_SERVICES)


def test_labels():
    assert REGIMES == {
        "electronic": ("电子档案事项监管", "Electronic-archive supervision"),
        "security": ("档案安全事项监管", "Archive-security supervision"),
    }
    assert set(INSPECTION_KINDS) == {"random_sampling", "key_unit", "special", "complaint", "daily"}
    assert [zh for zh, _ in INSPECTION_METHODS.values()] == [
        "听取汇报",
        "查阅资料",
        "核查现场",
        "安全测评",
    ]
    for kinds in rd.REGIME_INSPECTION_KINDS.values():
        assert set(kinds) <= set(INSPECTION_KINDS)


def test_specs_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CITATIONS[0].key = "x"  # type: ignore[misc]


# --- the data files and their loader -------------------------------------------------------------

DATA_DIR = REPOSITORY / "cases" / "reference" / "data"


def test_certainty_tags_are_data() -> None:
    law_2020 = citation_for_key("archives_law.supervision", TODAY)
    assert law_2020.cite_zh == "《中华人民共和国档案法》第四十二条"
    assert law_2020.certainty_of("article_zh") is Certainty.VERIFIED
    assert law_2020.certainty_of("doc_number") is Certainty.UNVERIFIED
    assert "doc_number" in law_2020.unverified_fields
    assert "from memory" in law_2020.note
    cyber = citation_for_key("cybersecurity_law.incident_reporting", TODAY)
    assert cyber.certainty_of("article_zh") is Certainty.UNVERIFIED
    assert cyber.certainty_of("summary_zh") is None  # not assessed
    field_names = {f.name for f in dataclasses.fields(rd.CitationSpec)}
    for c in CITATIONS:
        for name, certainty in c.certainty:
            assert name in field_names and isinstance(certainty, Certainty), c.key
    assert rd.REFERENCE.inspection_scopes.certainty is Certainty.VERIFIED
    for cl in CHECKLISTS:
        assert cl.certainty_of("effective_from") is Certainty.UNVERIFIED
        assert dict(cl.item_certainty)["text_zh"] is Certainty.VERIFIED
        assert cl.source.startswith("seed:")


def test_loaded_values_have_their_types() -> None:
    for c in CITATIONS:
        assert type(c.valid_from) is date and (c.valid_to is None or type(c.valid_to) is date)
        assert isinstance(c.purposes, tuple) and c.purposes
    assert all(isinstance(it.legal_basis_keys, tuple) for cl in CHECKLISTS for it in cl.items)
    assert date(2021, 1, 1) == rd.CHECKLIST_V1_FROM


def test_loading_the_shipped_files_again_gives_the_same_values() -> None:
    assert load_reference(DATA_DIR) == rd.REFERENCE


def _edited(tmp_path: Path, name: str, old: str, new: str) -> Path:
    for source in DATA_DIR.glob("*.toml"):
        (tmp_path / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    text = (tmp_path / name).read_text(encoding="utf-8")
    assert old in text, old
    (tmp_path / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("name", "old", "new", "error"),
    [
        (
            "citations.toml",
            "valid_from = 1988-01-01",
            'valid_from = "1988-01-01"',
            r"citations\.toml \[\[citation\]\] #1 \(archives_law\.supervision\): valid_from: "
            r"expected a date",
        ),
        (
            "citations.toml",
            "valid_to = 2020-12-31",
            "valid_too = 2020-12-31",
            r"#1 \(archives_law\.supervision\): unknown field\(s\) valid_too",
        ),
        (
            "citations.toml",
            'article_zh = "secondary"',
            'article_zh = "probably"',
            r"\[certainty\]: article_zh: certainty must be one of verified, secondary, unverified",
        ),
        (
            "citations.toml",
            'article_zh = "secondary"',
            'article = "secondary"',
            r"\[certainty\]: article: not a field of this entry",
        ),
        (
            "checklists.toml",
            'scope = "responsibility"',
            'scope = "paperwork"',
            r"checklists\.toml \[\[checklist\]\] #1 \(electronic v1\) \[\[checklist\.item\]\] #1: "
            r"scope: 'paperwork' is not an entry of \[inspection_scopes\]",
        ),
        (
            "checklists.toml",
            "position = 2",
            "position = 2.0",
            r"\[\[checklist\.item\]\] #2: position: expected a whole number, found float",
        ),
        (
            "citations.toml",
            "valid_to = 2020-12-31",
            "valid_to = 2021-06-30",
            r"inconsistent:\n- archives_law\.supervision: validity of 1988-01-01 overlaps 2021-01-01",
        ),
        (
            "citations.toml",
            "valid_from = 1988-01-01",
            "valid_from = 1988-01-01T00:00:00",
            r"valid_from: expected a date \(YYYY-MM-DD, unquoted\), found datetime",
        ),
        ("services.toml", 'phone = "82013255"', "phone = 82013255", r"phone: expected text"),
        ("labels.toml", "[regimes]", "[regimes", r"labels\.toml: not valid TOML"),
    ],
)
def test_a_broken_data_file_is_refused_naming_file_entry_and_field(
    tmp_path: Path, name: str, old: str, new: str, error: str
) -> None:
    with pytest.raises(ReferenceDataError, match=error):
        load_reference(_edited(tmp_path, name, old, new))


def test_a_missing_data_file_is_refused(tmp_path: Path) -> None:
    directory = _edited(tmp_path, "labels.toml", "[regimes]", "[regimes]")
    (directory / "boundaries.toml").unlink()
    with pytest.raises(ReferenceDataError, match=r"boundaries\.toml: file missing"):
        load_reference(directory)


def test_the_data_files_ship_with_the_package() -> None:
    """A non-editable install carries the TOML files only if package-data names them."""
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["package-data"]["cases.reference.data"]
    shipped = sorted(p.name for p in DATA_DIR.glob("*.toml"))
    assert shipped == sorted(FILES)
    assert all(any(Path(n).match(p) for p in patterns) for n in shipped)
