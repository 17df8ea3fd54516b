"""Shared fixtures: the reference library and the generated stubs, each under its own name."""
import pytest

from autograder.loader import load_package, reference
from autograder.paths import STUBS


@pytest.fixture(scope="session")
def mt():
    """The reference mytorch (solutions/mytorch), imported as `mytorch_reference`."""
    return reference()


@pytest.fixture(scope="session")
def stubs():
    """The student package (mytorch/), imported as `mytorch_stubs`."""
    return load_package(STUBS, "mytorch_stubs")
