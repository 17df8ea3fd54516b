"""The hostile class of test_hostile.py graded again, by a fresh unprivileged account: its
kernels run in bubblewrap's user namespace with the account's uid, as on a course server, where
the first run's kernels run as nobody under a root grader. Every test of test_hostile.py runs
on this grading too (a file of its own, so that pytest-xdist runs it beside the first)."""
import pytest

from test_hostile import *  # noqa: F401,F403  (the same tests, and the module's marks)
from test_hostile import graded_by


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    yield from graded_by("account", tmp_path_factory)
