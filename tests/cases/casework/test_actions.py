"""What the case page will offer: the triggers a person may fire now (never the system's own),
a form drawn from the trigger's fields and started from what the case records, and what the
browser posts read back as the door's data."""

from __future__ import annotations

from datetime import timedelta

from werkzeug.datastructures import MultiDict

from cases.casework.actions import actions_for, form_start, officer_choices, spec_of
from cases.core.clock import local_date
from cases.models import Case
from tests.support.world import World
from web.triggerforms import form_fields, read_form
from workflows.fields import clean


def test_a_person_is_offered_only_what_they_may_do_now(world: World) -> None:
    case_id = world.open_case()
    with world.factory() as s:
        case = s.get(Case, case_id)
        offered = [a.trigger for a in actions_for(world.user(s, "inspector"), case)]
        assert "issue_notice" in offered and "deadline_lapsed" not in offered
        assert actions_for(world.user(s, "leader"), case) == []
        assert actions_for(world.user(s, "foreign_inspector"), case) == []
    rectifying = world.case_for_state("rectifying")
    with world.factory() as s:
        case = s.get(Case, rectifying)
        assert "deadline_lapsed" not in [
            a.trigger for a in actions_for(world.user(s, "supervisor"), case)
        ]


def test_the_notice_form_starts_from_the_finding_and_its_officers(world: World) -> None:
    case_id = world.open_case()
    with world.factory() as s:
        case = s.get(Case, case_id)
        today = local_date(world.now)
        trigger = spec_of(case, "issue_notice")
        start = form_start(s, case, trigger, today)
        able = {o.id for o in officer_choices(s, case, today)}
        assert sorted(start["officer_ids"]) == sorted(
            [world.ids["inspector"], world.ids["inspector2"]]
        )
        assert set(start["officer_ids"]) <= able
        assert world.ids["foreign_inspector"] not in able
        assert start["facts"] == case.finding.description
        fields = {f.name: f for f in form_fields(trigger, start, {"facts": ["请写明违法事实"]})}
        assert fields["facts"].widget == "area" and fields["facts"].limits["maxlength"] == 5000
        assert fields["facts"].errors == ["请写明违法事实"]
        assert {o.value for o in fields["time_limit_unit"].options} == {
            "natural_day",
            "working_day",
            "hour",
        }


def test_what_the_browser_posts_is_the_doors_data(world: World) -> None:
    case_id = world.open_case()
    with world.factory() as s:
        trigger = spec_of(s.get(Case, case_id), "acknowledge")
    posted = MultiDict({"served_at": "2026-03-02T09:30", "service_method": "direct",
                        "csrf_token": "x", "version": "3"})  # fmt: skip
    data = read_form(trigger, posted)
    assert set(data) == {"served_at", "service_method"}
    cleaned = clean(trigger.schema, data)
    assert cleaned["served_at"].utcoffset() == timedelta(hours=8)
    assert cleaned["served_at"].hour == 9
