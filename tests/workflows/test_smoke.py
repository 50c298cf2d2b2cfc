from tests.support.world import World


def test_happy_path_to_closed(world: World) -> None:
    case_id = world.open_case()
    for trigger in ["issue_notice", "acknowledge", "submit_rectification", "verify", "close"]:
        world.fire(case_id, trigger)
    assert world.state(case_id) == "closed"
