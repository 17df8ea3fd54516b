"""The library's docstrings cite equations the lecture notebooks number, and cite the right ones."""
import ast
import re

import nbformat

from autograder import lectures
from autograder.paths import SOLUTIONS

LIBRARY = SOLUTIONS / "mytorch"


def tagged():
    """{equation number X.Y: [notebook names]} for every \\tag{X.Y} in the lectures' Markdown."""
    numbers = {}
    for path in lectures.sources():
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                for tag in re.findall(r"\\tag\{(\d+\.\d+)\}", cell.source):
                    numbers.setdefault(tag, []).append(path.name)
    return numbers


def library_text():
    return {path.relative_to(SOLUTIONS).as_posix(): path.read_text() for path in sorted(LIBRARY.rglob("*.py"))}


def test_the_chain_rule_is_cited_as_7_1_and_the_distributed_one_as_7_2():
    for name, text in library_text().items():
        for match in re.finditer(r"(distributed )?chain rule,? \(?eq\. ?\(?(\d+\.\d+)", text):
            expected = "7.2" if match.group(1) else "7.1"
            assert match.group(2) == expected, f"{name}: {match.group(0)!r} should cite eq. {expected}"


def class_docstring(path, name):
    return next(ast.get_docstring(node) for node in ast.parse(path.read_text()).body
                if isinstance(node, ast.ClassDef) and node.name == name)


def test_sgd_states_its_update_in_the_order_it_runs_and_cites_the_momentum_derivation():
    doc = class_docstring(LIBRARY / "optim" / "sgd.py", "SGD")
    rule = doc.splitlines()[0]
    assert "v <-" in rule and "w <-" in rule and rule.index("v <-") < rule.index("w <-"), (
        f"step() updates the velocity, then the weight; the docstring says {rule!r}")
    cited = re.search(r"eq\. (\d+\.\d+)", rule)
    notebook = re.search(r"lectures/(\d\d_\w+\.ipynb)", doc)
    assert cited and notebook, f"the update should cite its numbered equation and notebook: {doc!r}"
    cells = [cell.source for cell in nbformat.read(lectures.SOURCES / notebook.group(1), as_version=4).cells
             if cell.cell_type == "markdown" and f"\\tag{{{cited.group(1)}}}" in cell.source]
    assert cells and "momentum" in cells[0].lower() and r"\mu" in cells[0], (
        f"{notebook.group(1)} should derive momentum as eq. {cited.group(1)}")
