"""Grading runs killed and started again, and two at once on one course: a run killed at any
point and started again grades every student exactly once, a second run waits its turn, and
handins are never touched. A file apart from test_grading_runs.py (whose class and helpers it
shares) so that pytest-xdist's loadfile can run the two on both workers: sent last, as files
with few tests are, together they were minutes of one worker with the other idle."""
import os
import signal
import subprocess
import sys
import time

import pytest

from autograder.grading import gradebook as GB
from autograder.parts import ASSIGNMENT, NOTEBOOKS
from classroom import hand_in
from test_grading_runs import EXPECTED, TWO, UNSAFE_FLAG, gradebook, totals

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def handins(tmp_path_factory):
    """test_grading_runs.py's class: the reference, the stubs and two with one typical mistake each."""
    return hand_in(tmp_path_factory.mktemp("class"), TWO)[0]


def _run(handins, course):
    return subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(handins), "--course", str(course),
                             "--jobs", "2", *UNSAFE_FLAG], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


@pytest.mark.parametrize("kill_when", ["during setup", "after the first student"])
def test_a_killed_run_started_again_grades_everyone_exactly_once(handins, tmp_path, kill_when):
    course = tmp_path / "course"
    before = {p.name: p.read_bytes() for p in handins.iterdir()}
    run = _run(handins, course)
    deadline = time.time() + 300
    while time.time() < deadline:
        done = list((course / "graded").glob("*.json")) if (course / "graded").exists() else []
        if (kill_when == "during setup" and (course / "nbgrader_config.py").exists()) or \
                (kill_when == "after the first student" and done):
            break
        time.sleep(0.2)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    finished_before = {p.stem for p in (course / "graded").glob("*.json")} if (course / "graded").exists() else set()
    again = _run(handins, course)
    out, _ = again.communicate(timeout=600)
    assert again.returncode == 0, out
    grades, submissions = gradebook(GB.default_db(course))
    assert submissions == {sid: 1 for sid in EXPECTED}, out
    assert totals(grades) == EXPECTED, out
    for sid in finished_before:
        assert f"{sid}: {EXPECTED[sid]}/100 (already graded, skipped" in out
    # killed before its feedback step, the first run left its students' pages to the second
    assert [(sid, nb) for sid in EXPECTED for nb in NOTEBOOKS
            if not (course / "feedback" / sid / ASSIGNMENT / nb.replace(".ipynb", ".html")).is_file()] == []
    assert {p.name: p.read_bytes() for p in handins.iterdir()} == before


def test_a_second_run_on_the_same_course_waits_its_turn(handins, tmp_path):
    course = tmp_path / "course"
    (course).mkdir()
    first = _run(handins, course)
    deadline = time.time() + 300
    while not (course / ".grading.lock").exists() or not (course / "graded").exists():
        assert first.poll() is None and time.time() < deadline, "the first run never took the course's lock"
        time.sleep(0.1)
    time.sleep(1)
    second = subprocess.run([sys.executable, "-m", "autograder", "grade", str(handins), "--course", str(course),
                             *UNSAFE_FLAG],
                            capture_output=True, text=True, timeout=300)
    first.communicate(timeout=600)
    assert second.returncode != 0 and "another grading run is using this course directory" in second.stderr + second.stdout
