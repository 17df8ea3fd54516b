"""The reference answers to the notebook parts, taken from the instructor's notebooks.

They are written once, in the solution cells of solutions/hw1/; here they are executed into a
namespace, as the grader runs a student's notebook. (The training part's expected values are
the digits' labels, not a reference model's predictions: see cases.SPECS["training"].truth;
its reference `train` is run by the tests, to show it earns all the points.)
"""
import nbformat
import numpy as np

from ..parts import ASSIGNMENT, NB_OPT
from ..parts.cells import is_solution
from .paths import SOLUTIONS


def _solution_cells(path):
    nb = nbformat.read(path, as_version=4)
    return [c.source for c in nb.cells
            if c.cell_type == "code" and is_solution(c)]


def namespace(notebook=NB_OPT):
    """globals() of an instructor's notebook after its solution cells ran (with the reference
    mytorch as `mytorch`, and the public split of the digits, as the notebooks set them up)."""
    from ..parts.data import digits_split
    from .paths import reference
    ns = {"np": np, "numpy": np, "mytorch": reference(), **digits_split(seed=0)._asdict()}
    for source in _solution_cells(SOLUTIONS / ASSIGNMENT / f"{notebook}.ipynb"):
        exec(compile(source, f"{notebook}.ipynb", "exec"), ns)
    return ns
