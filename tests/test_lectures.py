"""The lecture notebooks: fresh student copies, no stored outputs, everything runs, the site renders.

The slow tests execute every lecture twice (solutions and student copy) in one
module-scoped fixture; they cover whatever notebooks exist in solutions/lectures/.
"""
import ast
import re

import nbformat
import numpy as np
import pytest

from autograder.course import lectures
from autograder.__main__ import main

SOURCES = lectures.sources()
STUDENT = [lectures.LECTURES / path.name for path in SOURCES]
ALL = SOURCES + STUDENT
NAMES = ["01_risk_and_minimisation.ipynb", "02_network_and_activations.ipynb", "03_divergences.ipynb",
         "04_gd_and_chain_rule.ipynb", "05_backprop.ipynb", "06_vector_form.ipynb"]
REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)\n\s*### END SOLUTION", re.S)


def read(path):
    return nbformat.read(path, as_version=4)


def where(path, i, cell):
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    return f"{path.parent.name}/{path.name}, cell {i} ({first[:60]!r})"


def notebook_function(path, name):
    """The function `name` as a code cell of the notebook at `path` defines it, compiled alone."""
    for cell in read(path).cells:
        try:
            tree = ast.parse(cell.source) if cell.cell_type == "code" else None
        except SyntaxError:                                  # a cell with IPython magics
            continue
        for node in tree.body if tree else []:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                namespace = {"np": np}
                exec(compile(ast.Module([node], []), str(path), "exec"), namespace)
                return namespace[name]
    raise LookupError(f"{path.name} defines no function {name}")


def notebook_values(path, *names):
    """The values the code cells of the notebook at `path` assign to `names` (plain assignments only)."""
    namespace = {"np": np}
    for cell in read(path).cells:
        try:
            tree = ast.parse(cell.source) if cell.cell_type == "code" else None
        except SyntaxError:
            continue
        for node in tree.body if tree else []:
            targets = [t for target in getattr(node, "targets", []) for t in ast.walk(target)]
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) in names for t in targets):
                exec(compile(ast.Module([node], []), str(path), "exec"), namespace)
    return [namespace[name] for name in names]


def test_the_lectures_exist_in_reading_order():
    names = [path.name for path in SOURCES]
    assert names == [name for name in NAMES if name in names], f"unexpected or misordered: {names}"
    assert NAMES[0] in names and (lectures.SOURCES / lectures.KIT).exists()


def test_student_copies_are_what_the_generator_writes():
    stale = lectures.differences()
    assert not stale, f"lectures/ is stale in {stale}: run python -m autograder lectures"
    assert main(["lectures", "--check"]) == 0


def test_the_check_notices_a_stale_copy(tmp_path):
    lectures.generate(dst=tmp_path)
    nb = read(tmp_path / SOURCES[0].name)
    nb.cells[0].source += "\nedited by hand"
    nbformat.write(nb, tmp_path / SOURCES[0].name)
    assert lectures.differences(dst=tmp_path) == [SOURCES[0].name]


def test_the_hessian_test_has_no_verdict_on_a_zero_eigenvalue():
    """Lecture 01's (2.5), its question 3 and the homework: eigenvalues (3, 0) are undetermined."""
    kind = notebook_function(lectures.SOURCES / NAMES[0], "kind_by_eigenvalues")
    cases = {(3.0, 0.0): "undetermined", (-2.0, 0.0): "undetermined", (3.0, 1e-12): "undetermined",
             (3.0, -1.0, 0.0): "saddle", (3.0, -1.0): "saddle", (3.0, 1e-6): "minimum", (-3.0, -1.0): "maximum"}
    for eigenvalues, expected in cases.items():
        assert kind(np.diag(eigenvalues)) == expected, f"eigenvalues {eigenvalues}: expected {expected}"
    assert "1e-9" in (kind.__doc__ or ""), "the docstring should state the tolerance"


def test_lecture_05_dead_unit_comment_computes_z_from_the_notebooks_input():
    """Exercise 3's solution comment: z_j of the dead unit, from this notebook's x, w and b1_relu."""
    path = lectures.SOURCES / NAMES[4]
    x, w, b1 = notebook_values(path, "x", "w", "b1_relu")
    cell = next(c for c in read(path).cells if lectures.is_solution(c) and "b1_relu =" in c.source)
    found = re.search(r"# z_(\d) = (.+?) = (-?[\d.]+) <", cell.source)
    assert found, f"the comment should show the sum and its value: {cell.source!r}"
    j, expression, value = int(found.group(1)), found.group(2), float(found.group(3))
    z = x @ w[1][:, j - 1] + b1[j - 1]
    assert eval(expression) == pytest.approx(z) and value == pytest.approx(z, abs=5e-3), (
        f"z_{j} = {z:.4f} for x = {x}; the comment says {found.group(0)!r}")


def test_lecture_05_says_backprop_costs_about_twice_a_forward_pass_and_measures_it():
    cells = read(lectures.SOURCES / NAMES[4]).cells
    text = " ".join(" ".join(cell.source.split()) for cell in cells if cell.cell_type == "markdown")
    assert "about as much as one forward pass" not in text, "each layer does two products backward, one forward"
    assert "about 2x" in text
    timed = [cell.source for cell in cells if cell.cell_type == "code" and "perf_counter" in cell.source]
    assert timed and "mlp_backward" in timed[0] and "backward / forward" in timed[0], (
        "a code cell should time forward and backward of an MLP and report their ratio")


def numbered_equations(path):
    """The equation numbers X.Y a lecture notebook tags in its Markdown, as \\tag{X.Y}."""
    return {tag for cell in read(path).cells if cell.cell_type == "markdown"
            for tag in re.findall(r"\\tag\{(\d+\.\d+)\}", cell.source)}


def test_cross_references_name_the_notebook_that_numbers_the_equation():
    """'eq. X.Y in notebook NN', 'notebook NN, (X.Y)' point at NN's tag; 'derived in' at the first one."""
    tags = {path.name[:2]: numbered_equations(path) for path in SOURCES}
    cited = [(r"eq\. (\d+\.\d+),? in notebook (\d\d)", False), (r"notebook (\d\d)(?:'s|,) \((\d+\.\d+)\)", False),
             (r"eq\. (\d+\.\d+), (?:first )?derived in notebook (\d\d)", True)]
    for path in SOURCES:
        text = "\n".join(cell.source for cell in read(path).cells)
        for pattern, first in cited:
            for match in re.finditer(pattern, text):
                eq, nb = match.groups() if match.group(1).count(".") else match.groups()[::-1]
                assert eq in tags.get(nb, ()), f"{path.name}: {match.group(0)!r}, but notebook {nb} has no ({eq})"
                if first:
                    earliest = min(n for n, numbers in tags.items() if eq in numbers)
                    assert nb == earliest, f"{path.name}: {match.group(0)!r}, but notebook {earliest} derives it first"


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_stored_outputs(path):
    for i, cell in enumerate(read(path).cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, (
                f"{where(path, i, cell)} has stored outputs; clear them before committing")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_solution_reaches_the_student_copy(path):
    student = lectures.LECTURES / path.name
    text = student.read_text()
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    ours = read(path).cells
    theirs = read(student).cells
    assert len(ours) == len(theirs), f"{student.name}: {len(theirs)} cells, the source has {len(ours)}"
    for i, (cell, copy) in enumerate(zip(ours, theirs)):
        regions = REGION.findall(cell.source)
        assert bool(regions) == lectures.is_solution(cell), (
            f"{where(path, i, cell)}: solution regions belong in (and only in) solution cells")
        for region in regions:
            assert region.strip() not in copy.source, f"{where(student, i, copy)} still holds its solution"
            assert "raise NotImplementedError()" in copy.source, f"{where(student, i, copy)} has no stub"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_lecture_shape(path):
    """Title and summary line, 2-4 exercises each followed by its self-check, a widget, a summary."""
    nb = read(path)
    lectures.describe(nb)
    cells = nb.cells
    exercises = [i for i, cell in enumerate(cells) if lectures.is_solution(cell)]
    assert 2 <= len(exercises) <= 4, f"{path.name}: {len(exercises)} exercises, expected 2 to 4"
    for i in exercises:
        assert i + 1 < len(cells) and lectures.is_self_check(cells[i + 1]), (
            f"{where(path, i, cells[i])}: an exercise must be followed by its self-check cell")
    assert any("play(" in cell.source for cell in cells if cell.cell_type == "code"), f"{path.name}: no widget"
    markdown = "\n".join(cell.source for cell in cells if cell.cell_type == "markdown")
    for heading in ("## Summary", "## Questions"):
        assert heading in markdown, f"{path.name}: no {heading!r} section"
    assert r"\tag{" in markdown, f"{path.name}: no numbered equation"


def test_play_draws_once_and_redraws_when_a_control_moves(monkeypatch):
    """lecturekit.play in-process: the static figure, then the live copy follows its slider."""
    import importlib.util

    import ipywidgets
    import matplotlib.pyplot as plt
    spec = importlib.util.spec_from_file_location("lecturekit", lectures.SOURCES / lectures.KIT)
    kit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kit)
    monkeypatch.setattr(plt, "show", lambda: plt.close("all"))
    monkeypatch.setattr(kit, "display", lambda widget: None)
    monkeypatch.delenv("LECTUREKIT_HEADLESS", raising=False)
    calls = []
    eta = ipywidgets.FloatSlider(value=0.1, min=0, max=1)
    kit.play(lambda eta: calls.append(eta) or plt.figure(), eta=eta)
    assert calls[0] == 0.1 and len(calls) == 2, f"static draw, then the live copy's first draw: {calls}"
    eta.value = 0.7
    assert calls[-1] == 0.7, f"moving the slider should redraw with 0.7: {calls}"
    monkeypatch.setenv("LECTUREKIT_HEADLESS", "1")
    calls.clear()
    kit.play(lambda eta: calls.append(eta) or plt.figure(), eta=eta)
    assert calls == [0.7], f"headless: the static figure only: {calls}"


@pytest.fixture(scope="module")
def executed():
    """Every lecture, solutions and student copies, executed once (errors recorded, not raised)."""
    return dict(zip(ALL, lectures.execute_all(ALL, allow_errors=True)))


def problems(path, nb, skip=()):
    """Each code cell (but those in `skip`) that raised or wrote to stderr, described."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or i in skip:
            continue
        for out in cell.outputs:
            if out.output_type == "error":
                found.append(f"{where(path, i, cell)} raised {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr":
                found.append(f"{where(path, i, cell)} wrote to stderr: {out.text[:300]!r}")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_solution_notebook_runs_clean(executed, path):
    """Top to bottom with no error and nothing on stderr (a warning is a failure)."""
    assert not problems(path, executed[path]), "\n".join(problems(path, executed[path]))


@pytest.mark.slow
@pytest.mark.parametrize("path", STUDENT, ids=lambda p: p.name)
def test_student_notebook_fails_only_in_its_exercises(executed, path):
    """Unsolved exercises raise, their self-checks fail, and every other cell still runs."""
    nb = executed[path]
    exercise = {i for i, c in enumerate(nb.cells) if lectures.is_solution(c) or lectures.is_self_check(c)}
    assert not problems(path, nb, skip=exercise), "\n".join(problems(path, nb, skip=exercise))
    for i, cell in enumerate(nb.cells):
        if lectures.is_self_check(cell):
            assert any(out.output_type == "error" for out in cell.outputs), (
                f"{where(path, i, cell)} passes on an unsolved exercise: it checks nothing")


@pytest.mark.slow
def test_site_has_an_index_and_a_page_per_lecture(executed, tmp_path, monkeypatch):
    """`python -m autograder site`, with execution reused from the fixture."""
    monkeypatch.setattr(lectures, "execute_all", lambda paths, allow_errors=False: [executed[p] for p in paths])
    assert main(["site", "--out", str(tmp_path)]) == 0
    index = (tmp_path / "index.html").read_text()
    for path in SOURCES:
        page = path.with_suffix(".html").name
        assert f'href="{page}"' in index, f"index.html does not link {page}"
        assert lectures.describe(executed[path])[0] in index
        html = (tmp_path / page).read_text()
        figures = html.count('src="data:image/png;base64,')
        assert figures >= 3, f"{page}: {figures} figures"
        assert "MathJax" in html and r"\tag{" in html, f"{page}: no math for MathJax to typeset"
        solutions = sum(lectures.is_solution(c) for c in executed[path].cells)
        assert html.count("<details><summary>Solution") == solutions, f"{page}: solutions not folded"
        assert "BEGIN SOLUTION" not in html, f"{page}: shows nbgrader's markers"
        assert lectures.WIDGET_VIEW not in html, f"{page}: a widget no browser can run without a kernel"
