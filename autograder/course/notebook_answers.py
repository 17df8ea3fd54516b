"""The reference answers to the notebook parts, taken from the instructor's notebooks.

The optimisation answers are written once, in the solution cells of
solutions/hw1/1_optimisation.ipynb; here they are executed into a namespace, as the
grader runs a student's notebook. (The training part's expected values are the digits'
labels, not a reference model's predictions: see cases.SPECS["training"].truth.)
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


def namespace():
    """globals() of the instructor's optimisation notebook after its solution cells ran."""
    ns = {"np": np, "numpy": np}
    for source in _solution_cells(SOLUTIONS / ASSIGNMENT / f"{NB_OPT}.ipynb"):
        exec(compile(source, f"{NB_OPT}.ipynb", "exec"), ns)
    return ns
