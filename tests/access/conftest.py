import pytest


@pytest.fixture
def world(company):
    from .world import build

    return build(company)
