"""The order fixtures, for engine tests that run on real orders (e.g. contract.phone_approval)."""

from yewu.orders.tests.conftest import shop  # noqa: F401  (fixture)
