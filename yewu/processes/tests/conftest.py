import pytest


@pytest.fixture
def builtin(db):
    """The built-in P01–P12 (seeded by the migration; re-seeded here because transactional tests flush tables)."""
    from yewu.processes.builtin import seed_builtin
    from yewu.processes.models import ProcessDefinition, ProcessStep

    seed_builtin(ProcessDefinition, ProcessStep)
    return ProcessDefinition.objects.filter(status="published")


@pytest.fixture
def admin_user(company):
    from yewu.org.models import User

    return User.objects.create_user(username="admin1", password="demo1234", roles=["ADM"], display_name="钱行政")
