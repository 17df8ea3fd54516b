"""Shared fixtures: the reference library and the generated stubs, each under its own name; the
lectures executed once per test run; a gradebook per backend."""
import json

import nbformat
import pytest

from autograder.course import lectures
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


def execute_lectures(paths):
    """{str(path): the notebook executed as Run All does (stopping at its first error), or the
    text of the error where it stopped}, by lectures.execute_all, the `site` command's runner."""
    from nbclient.exceptions import CellExecutionError
    execute = lectures.execute

    def run(path, allow_errors=False):
        try:
            return execute(path, allow_errors)
        except CellExecutionError as error:
            return str(error)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lectures, "execute", run)
        return {str(path): nb for path, nb in zip(paths, lectures.execute_all(paths))}


@pytest.fixture(scope="session")
def executed_lectures(tmp_path_factory, worker_id):
    """A function: lecture paths -> {path: the notebook executed by execute_lectures, or the
    text of the error where Run All stopped}. Each notebook is executed once in the whole test
    run (test_lectures.py checks them all, test_accessibility.py builds its site from the
    solutions): a session fixture runs once in each pytest-xdist worker, so, as xdist's docs
    show ("Making session-scoped fixtures execute only once"), the workers keep the runs in a
    JSON file in the run's shared temporary folder (each worker's basetemp is a folder of it,
    emptied by the controller when the run starts), under a file lock: the first worker to ask
    for a notebook executes it, the others wait and read it."""
    from contextlib import nullcontext

    from filelock import FileLock
    shared = None if worker_id == "master" else tmp_path_factory.getbasetemp().parent / "executed_lectures.json"
    runs = {}

    def executed(paths):
        if any(str(path) not in runs for path in paths):
            with FileLock(f"{shared}.lock") if shared else nullcontext():
                if shared and shared.is_file():
                    runs.update(json.loads(shared.read_text()))
                missing = [path for path in paths if str(path) not in runs]
                if missing:
                    runs.update(execute_lectures(missing))
                    if shared:
                        shared.write_text(json.dumps(runs))
        return {path: nbformat.from_dict(runs[str(path)]) if isinstance(runs[str(path)], dict) else runs[str(path)]
                for path in paths}
    return executed


def ran(path, executed):
    """The executed notebook at `path`, or a failure naming the cell where Run All stopped."""
    nb = executed[path]
    if isinstance(nb, str):
        pytest.fail(f"{path.parent.name}/{path.name}: Run All stops at an error:\n{nb}"[:3000])
    return nb


# The longest files, longest first (about, on the 2-core machine). pytest-xdist's loadfile hands
# each worker whole files, and by itself sends the files with the most tests first, which put
# the platform packages, the grading runs and the browser audit (few tests, minutes each) last,
# where one worker ran them while the other had nothing left. The lectures run before the site
# audit, which waits for their executions (executed_lectures). The keyboard walk through
# JupyterLab stays last, where it always ran: started early, beside the hostile class's
# gradings, its Tab walk once went round one cell's toolbar and never reached a widget; run
# last with this order once, a slider's figure did not redraw within 120 s (the walk now waits
# for Run All to finish first).
LONGEST_FIRST = ["test_course_cycle", "test_hostile", "test_hostile_as_account", "test_grading_runs",
                 "test_grading_restarts", "test_platforms", "test_lectures", "test_kernel_failures",
                 "test_student_path", "test_exchange", "test_accessibility"]
LAST = "test_jupyterlab_keyboard"


def pytest_collection_modifyitems(config, items):
    """Files in LONGEST_FIRST's order, then the others as collected, then LAST (with
    --no-loadscope-reorder, which pyproject's addopts set, xdist keeps this order)."""
    rank = {name: k for k, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.module.__name__, len(rank) + (item.module.__name__ == LAST)))
