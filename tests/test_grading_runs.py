"""Grading runs: twice gives the same gradebook, on SQLite and PostgreSQL; a run killed at
any point and started again grades every student exactly once; handins are never touched."""
import os
import signal
import subprocess
import sys
import time

import pytest

from autograder.grading import grade, sandbox
from autograder.grading import gradebook as GB
from autograder.parts import ASSIGNMENT, BY_ID, NOTEBOOKS, TOTAL
from classroom import hand_in
from mistakes import MISTAKES

pytestmark = pytest.mark.slow
UNSAFE = not sandbox.bwrap_available()          # the sandbox when there is one: tests run as graders do
UNSAFE_FLAG = ["--unsafe-no-sandbox"] if UNSAFE else []
TWO = [m for m in MISTAKES if m.name in ("tanh_wrong_sign", "softmax_unstable")]
EXPECTED = {"reference": TOTAL, "stubs": 0, **{m.name: TOTAL - sum(BY_ID[p].points for p in m.lost) for m in TWO}}


@pytest.fixture(scope="module")
def handins(tmp_path_factory):
    """Four handins: the reference, the stubs and two with one typical mistake each."""
    return hand_in(tmp_path_factory.mktemp("class"), TWO)[0]


def gradebook(db_url):
    """Every grade in the gradebook: {(student, notebook, part): score}, and submissions per student."""
    from nbgrader.api import Gradebook
    grades, submissions = {}, {}
    with Gradebook(db_url) as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            submissions[sub.student_id] = submissions.get(sub.student_id, 0) + 1
            for nb in sub.notebooks:
                for g in nb.grades:
                    grades[(sub.student_id, nb.name, g.name)] = g.score
    return grades, submissions


def totals(grades):
    out = {}
    for (sid, _, _), score in grades.items():
        out[sid] = out.get(sid, 0) + score
    return out


def test_grading_twice_gives_the_same_gradebook(handins, tmp_path, db_url):
    course = tmp_path / "course"
    quiet = lambda line: None
    grade.grade(handins, course, db_url=db_url, jobs=2, log=quiet, unsafe_no_sandbox=UNSAFE)
    first = gradebook(db_url or GB.default_db(course))
    pages = {p: p.stat().st_mtime_ns for p in (course / "feedback").rglob("*.html") if p.name != "report.html"}
    assert len(pages) == len(NOTEBOOKS) * len(EXPECTED)
    # written by two nbgrader processes at once (--jobs 2), each its share of the class
    assert sorted(p.name for p in (course / "logs").glob("feedback-*.log")) == ["feedback-1.log", "feedback-2.log"]
    # without --force nobody is graded again, and nobody's feedback is written again (it was
    # the whole class's, at every run: a run for one late handin rewrote hundreds of pages)
    markers, failures = grade.grade(handins, course, db_url=db_url, jobs=2, log=quiet, unsafe_no_sandbox=UNSAFE)
    assert failures == [] and all(m.get("skipped") for m in markers.values())
    assert {p: p.stat().st_mtime_ns for p in pages} == pages
    grade.grade(handins, course, db_url=db_url, jobs=2, force=True, log=quiet, unsafe_no_sandbox=UNSAFE)
    second = gradebook(db_url or GB.default_db(course))
    assert first == second
    assert totals(first[0]) == EXPECTED and set(first[1].values()) == {1}


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
    while not (course / ".grading.lock").exists() or not (course / "graded").exists():
        time.sleep(0.1)
    time.sleep(1)
    second = subprocess.run([sys.executable, "-m", "autograder", "grade", str(handins), "--course", str(course),
                             *UNSAFE_FLAG],
                            capture_output=True, text=True)
    first.communicate(timeout=600)
    assert second.returncode != 0 and "another grading run is using this course directory" in second.stderr + second.stdout
