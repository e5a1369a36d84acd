from yewu.finance.tests.conftest import books, shop  # noqa: F401  (re-exported fixtures)
