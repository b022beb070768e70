from conftest import Cast, World
from jingxi.org.choices import Role


def test_cast_members_hold_their_roles(cast: Cast, world: World) -> None:
    assert cast.dispatcher.memberships.get().role == Role.DISPATCHER
    assert cast.handler_a.memberships.get().unit == world.sanitation
    assert cast.handler_b.memberships.get().unit == world.traffic
    assert not cast.citizen.memberships.exists()
    assert cast.outsider.jurisdiction != world.jurisdiction


def test_every_grid_code_starts_with_its_community_code(world: World) -> None:
    for grid in world.grids.values():
        assert grid.code.startswith(grid.community.code)
        assert len(grid.code) == 15
