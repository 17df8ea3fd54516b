"""The graded parts of the homework: the one registry every other module derives from.

Each part is one nbgrader grade cell (its `grade_id` is the part id) whose visible test
calls `autograder.parts.visible.check(part_id, target)` and whose hidden test (removed
from the student's copy) records outputs for the grader. `target` is the student's
`mytorch` package, or for notebook parts the notebook's namespace (`globals()`).
The registry itself is `cases.PARTS`: each entry holds a part's points, title and how its
inputs are made, run and compared (its `spec`); what follows here derives from it.

This folder ships to students (with `student/`): it holds no answer and no hidden value.
"""
from .cases import NB_MYTORCH, NB_OPT, NB_TRAIN, PARTS, Part  # noqa: F401

COURSE = "backprop"          # nbgrader's course id
ASSIGNMENT = "hw1"           # nbgrader's assignment name
BY_ID = {p.id: p for p in PARTS}
NOTEBOOKS = sorted({f"{p.notebook}.ipynb" for p in PARTS})
TOTAL = sum(p.points for p in PARTS)


def in_points(n):
    """"1 point", "4 points", "0.5 points": a number of points as the homework writes it."""
    return f"{n:g} point" + ("" if n == 1 else "s")
