"""Choucha's tests."""

import pytest

# The shared helpers assert as the tests do: pytest rewrites their asserts too, so a
# failing one shows its values (it must be named before tests.support is first imported).
pytest.register_assert_rewrite("tests.support")
