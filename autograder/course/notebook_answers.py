"""The reference answers to the notebook parts, taken from the instructor's notebooks.

They are written once, in the solution cells of solutions/hw1/; here they are executed into a
namespace, as the grader runs a student's notebook. (The training part's expected values are
the digits' labels, not a reference model's predictions: see the `truth` of the training part's
spec in cases.PARTS; its reference `train` is run by the tests, to show it earns all the points.)
"""
import nbformat
import numpy as np

from ..parts import ASSIGNMENT, NB_OPT
from ..parts.cells import grade_id, is_solution
from .paths import SOLUTIONS


TRAINING_CELL = "answer_training"      # defines train() and runs it: a model trained, in seconds


def _solution_cells(path, skip=()):
    nb = nbformat.read(path, as_version=4)
    return [c.source for c in nb.cells
            if c.cell_type == "code" and is_solution(c) and grade_id(c) not in skip]


def edit_answers(sources, edits, what="the answer cells"):
    """`sources` (cell texts) with each (old, new) of `edits` made where `old` occurs: once, in
    one of them (a catalogued mistake in a notebook, samples.Mistake), else ValueError."""
    sources = list(sources)
    for old, new in edits:
        found = [k for k, text in enumerate(sources) if old in text]
        if len(found) != 1 or sources[found[0]].count(old) != 1:
            raise ValueError(f"{old!r} is not in exactly one place of {what}")
        sources[found[0]] = sources[found[0]].replace(old, new)
    return sources


def namespace(notebook=NB_OPT, train=True, edits=(), mytorch=None, keep_going=False):
    """globals() of an instructor's notebook after its solution cells ran (with the reference
    mytorch as `mytorch`, or the package `mytorch`, and the public split of the digits, as the
    notebooks set them up). train=False leaves out the training cell: the references need only
    the other answers. edits: (old, new) pairs made in the solution cells first (edit_answers).
    keep_going: a cell that raises stops there and the next one runs, as in a kernel."""
    from ..parts.data import digits_split
    from .paths import reference
    ns = {"np": np, "numpy": np, "mytorch": mytorch or reference(), **digits_split(seed=0)._asdict()}
    skip = () if train else (TRAINING_CELL,)
    sources = _solution_cells(SOLUTIONS / ASSIGNMENT / f"{notebook}.ipynb", skip)
    for source in edit_answers(sources, edits, f"{notebook}'s answer cells"):
        try:
            exec(compile(source, f"{notebook}.ipynb", "exec"), ns)
        except Exception:
            if not keep_going:
                raise
    return ns
