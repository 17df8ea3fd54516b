"""Shared fixtures: the reference library and the generated stubs, each under its own name."""
import pytest

from autograder.course.paths import STUBS, reference
from autograder.student import load_package


@pytest.fixture(scope="session")
def mt():
    """The reference mytorch (solutions/mytorch), imported as `mytorch_reference`."""
    return reference()


@pytest.fixture(scope="session")
def stubs():
    """The student package (mytorch/), imported as `mytorch_stubs`."""
    return load_package(STUBS, "mytorch_stubs")


def make_database(kind):
    """A gradebook URL for `kind`: None (nbgrader's SQLite default) or a fresh PostgreSQL
    database on the server AUTOGRADER_TEST_PG_URL names (.ci/services.sh starts one)."""
    import os
    import uuid
    if kind == "sqlite":
        return None, lambda: None
    url = os.environ.get("AUTOGRADER_TEST_PG_URL")
    if not url:
        pytest.skip("no PostgreSQL server: set AUTOGRADER_TEST_PG_URL (see .ci/services.sh)")
    import psycopg
    name = f"gradebook_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(url, autocommit=True)
    admin.execute(f"CREATE DATABASE {name}")

    def drop():
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
    return url.rsplit("/", 1)[0] + "/" + name, drop


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request):
    """Each gradebook backend the grader supports, fresh for the test."""
    url, drop = make_database(request.param)
    yield url
    drop()
