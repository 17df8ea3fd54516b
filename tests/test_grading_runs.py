"""Grading runs: twice gives the same gradebook, on SQLite and PostgreSQL (runs killed and
started again, and two at once: test_grading_restarts.py)."""
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
