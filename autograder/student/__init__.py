"""The student's tools: `check` (the visible tests), `handin`, and importing their mytorch.

Ships to students with `parts/`; imports nothing else of the autograder.
"""
from .importer import import_mytorch, load_package  # noqa: F401  (the notebooks' setup cells)
