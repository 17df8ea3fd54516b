"""The lecture notebooks: fresh student copies, no stored outputs, everything runs, the site renders.

The slow tests execute every lecture twice (solutions and student copy) in one fixture, shared
with the site's audit; they cover whatever notebooks exist in solutions/lectures/.
"""
import ast
import re

import nbformat
import numpy as np
import pytest

from autograder.course import lectures
from autograder.__main__ import main
from colour_vision import MIN_DELTA_E, confusable, disordered
from conftest import ran

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
    """Try 5.3's solution comment: z_j of the dead unit, from this notebook's x, w and b1_relu."""
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
    """Every exercise is stubbed and every answer to a question (and its checks) left out."""
    student = lectures.LECTURES / path.name
    text = student.read_text()
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    ours = read(path).cells
    theirs = read(student).cells
    answers = [cell for cell in ours if lectures.is_answer(cell)]
    assert answers, f"{path.name}: no answers to its questions"
    for cell in answers:
        for line in cell.source.splitlines():
            assert len(line) < 40 or line not in text, f"{student.name} holds a line of an answer: {line!r}"
    kept = [(i, cell) for i, cell in enumerate(ours) if not lectures.is_answer(cell)]
    assert len(kept) == len(theirs), f"{student.name}: {len(theirs)} cells, the source has {len(kept)} besides its answers"
    for (i, cell), copy in zip(kept, theirs):
        regions = REGION.findall(cell.source)
        assert bool(regions) == lectures.is_solution(cell), (
            f"{where(path, i, cell)}: solution regions belong in (and only in) solution cells")
        for region in regions:
            assert region.strip() not in copy.source, f"{where(student, i, copy)} still holds its solution"
            assert "# YOUR CODE HERE" in copy.source, f"{where(student, i, copy)} has no stub"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_lecture_shape(path):
    """Title and summary line, 2-4 exercises in the form of lectures.form_problems, a widget, a numbered equation."""
    nb = read(path)
    lectures.describe(nb)
    cells = nb.cells
    exercises = [i for i, cell in enumerate(cells) if lectures.is_exercise(cell)]
    assert 2 <= len(exercises) <= 4, f"{path.name}: {len(exercises)} exercises, expected 2 to 4"
    assert lectures.form_problems(nb, lectures.number(path)) == []
    assert any("play(" in cell.source for cell in cells if cell.cell_type == "code"), f"{path.name}: no widget"
    markdown = "\n".join(cell.source for cell in cells if cell.cell_type == "markdown")
    assert r"\tag{" in markdown, f"{path.name}: no numbered equation"


def test_every_equation_is_numbered_once_in_the_series():
    """A number X.Y is tagged where the equation is first derived; every other mention refers to it."""
    from collections import Counter
    tags = Counter(tag for path in SOURCES for cell in read(path).cells if cell.cell_type == "markdown"
                   for tag in lectures.TAG.findall(cell.source))
    assert len(tags) > 50 and not [tag for tag, n in tags.items() if n > 1], (
        f"numbered more than once: {sorted(tag for tag, n in tags.items() if n > 1)}")


def small_lecture(tries=2, questions=2):
    """A lecture 07 in the form lectures.form_problems checks: `tries` exercises, `questions` questions,
    the last answer with a code cell that checks it (holding the output an execution would give it)."""
    new_md, new_code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [new_md("# 07 · A small lecture\nWhat it is about, in a sentence."), new_md("## 1. Words\n$$a = b \\tag{7.1}$$")]
    for k in range(1, tries + 1):
        cells.append(new_md(f"### Try 7.{k} (a thing)\n\n**Goal.** learn thing {k}.\n\nSet `x{k}`."))
        cells.append(new_code(f"### BEGIN SOLUTION\nx{k} = {k}\n### END SOLUTION",
                              metadata={"nbgrader": {"solution": True, "grade": False, "locked": False,
                                                     "grade_id": f"ex7_{k}", "schema_version": 3}}))
        cells.append(new_code(f'with self_check("Try 7.{k}"):\n    assert x{k} == {k}\n    print("✓ Try 7.{k}: right")',
                              metadata={"tags": ["self-check"]}))
    cells.append(new_md("## Summary\n- Words are things (7.1)."))
    cells.append(new_md("## Questions to think about"))
    for k in range(1, questions + 1):
        cells += [new_md(f"**Question {k}.** Why {k}?"), new_md(f"Because of reason {k}.", metadata={"tags": ["answer"]})]
    check = new_code("print(6 * 7)", metadata={"tags": ["answer"]})
    check.outputs = [nbformat.v4.new_output("stream", name="stdout", text="42\n")]
    cells.append(check)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata.update(kernelspec=dict(lectures.KERNELSPEC), language_info=dict(lectures.LANGUAGE_INFO))
    return nb


def test_answers_are_left_out_of_the_student_copy_and_folded_on_the_site():
    nb = small_lecture()
    assert lectures.form_problems(nb, 7) == []
    student = lectures.student_version(nb)
    text = "\n".join(cell.source for cell in student.cells)
    assert "Because of reason" not in text and "6 * 7" not in text, "an answer reached the student copy"
    assert "**Question 1.** Why 1?" in text and "**Question 2.** Why 2?" in text, "the questions belong in it"
    assert len(student.cells) == len(nb.cells) - 3 and "x1 = 1" not in text and "# YOUR CODE HERE" in text
    page = lectures.for_reader(nb)
    folded = [cell.source for cell in page.cells if cell.source.startswith("<details><summary>Answer")]
    assert len(folded) == 2 and not any(lectures.is_answer(cell) for cell in page.cells), [c.source for c in page.cells]
    assert "Because of reason 1." in folded[0] and "6 * 7" not in folded[0]
    assert "Because of reason 2." in folded[1] and "```python\nprint(6 * 7)\n```" in folded[1] and "```text\n42\n```" in folded[1]
    order = [cell.source for cell in page.cells]
    assert order.index("**Question 2.** Why 2?") + 1 == order.index(folded[1]), "the answer folds under its question"
    assert sum(cell.source.startswith("<details><summary>Solution") for cell in page.cells) == 2


def test_form_problems_names_what_breaks_the_form():
    def broken(change):
        nb = small_lecture()
        change(nb.cells)
        return " | ".join(lectures.form_problems(nb, 7))

    def rename(cells, old, new):
        cell = next(cell for cell in cells if old in cell.source)
        cell.source = cell.source.replace(old, new)

    assert "should end with '### Try 7.2 (...)'" in broken(lambda c: rename(c, "### Try 7.2", "### Exercise 2"))
    assert "Try 7.1 (cell 2): no **Goal.**" in broken(lambda c: rename(c, "**Goal.**", "Aim:"))
    assert "Try 7.2 (cell 7): its self-check should" in broken(lambda c: rename(c, 'print("✓ Try 7.2: right")', "pass"))
    assert "not followed by a cell tagged self-check" in broken(lambda c: c[4].metadata.pop("tags"))
    assert "does not cite (7.1)" in broken(lambda c: rename(c, "(7.1).", "(see above)."))
    assert "question 2 (cell 12) is not followed by its answer" in broken(lambda c: c.pop(13))
    assert "expected question 2" in broken(lambda c: rename(c, "**Question 2.**", "2."))
    assert "an answer cell before" in broken(lambda c: c[1].metadata.update(tags=["answer"]))
    assert "no questions to think about" in broken(lambda c: c.__delitem__(slice(10, None)))


def test_the_generator_refuses_a_lecture_that_breaks_the_form(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / lectures.KIT).write_text("")
    nb = small_lecture()
    nb.cells.pop(-2)                                     # the last question's answer
    nbformat.write(nb, src / "07_small.ipynb")
    with pytest.raises(ValueError, match="(?s)07_small.ipynb breaks .*question 2"):
        lectures.generate(src, tmp_path / "out")


def test_try_5_3_checks_the_prediction_it_asks_for():
    """Lecture 05's Try 5.3 asks to predict which derivatives are exactly 0; its self-check fails a wrong one."""
    cells = read(lectures.SOURCES / NAMES[4]).cells
    kit = load_kit()
    namespace = {"np": np, **{name: getattr(kit, name) for name in ("assert_close", "numeric_derivative", "self_check")}}
    needed = ["def forward(", "F_PRIME = {", "def backward(", "def replaced("]
    for cell in cells:
        if cell.cell_type == "code" and any(cell.source.startswith(start) or f"\n{start}" in cell.source for start in needed):
            exec(cell.source, namespace)
    answer = next(i for i, cell in enumerate(cells) if lectures.is_exercise(cell) and "zero_dw1" in cell.source)
    exec(cells[answer].source, namespace)
    exec(cells[answer + 1].source, namespace)                      # the solution passes
    namespace["zero_db1"] = ~namespace["zero_db1"]                 # a wrong prediction
    with pytest.raises(AssertionError, match="you predicted the zeros of dDiv/db"):
        exec(cells[answer + 1].source, namespace)


def load_kit():
    """lecturekit, imported from solutions/lectures/ (tests import it in-process)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("lecturekit", lectures.SOURCES / lectures.KIT)
    kit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kit)
    return kit


def test_play_draws_once_and_redraws_when_a_control_moves(monkeypatch):
    """lecturekit.play in-process: with a reader, the live figure only, following its slider;
    headless, the static figure only. Either way the figure is drawn once, with the
    description its draw function returned for those values."""
    import ipywidgets
    import matplotlib.pyplot as plt
    kit = load_kit()
    shown = []
    monkeypatch.setattr(kit, "display", lambda obj, **kw: shown.append((obj, kw)))
    monkeypatch.delenv("LECTUREKIT_HEADLESS", raising=False)
    calls = []

    def draw(eta):
        calls.append(eta)
        plt.figure()
        return f"a figure at eta = {eta}"
    eta = ipywidgets.FloatSlider(value=0.25, min=0, max=1, step=0.25, description="eta")
    kit.play(draw, eta=eta)
    assert calls == [0.25], f"with a reader, one draw (the live figure's): {calls}"
    kinds = [type(obj).__name__ for obj, _ in shown]
    assert kinds.count("interactive") == 1, f"displayed: {kinds}"
    shown.clear()
    eta.value = 0.75
    assert calls == [0.25, 0.75], f"moving the slider should redraw with 0.75: {calls}"
    alts = [kw["metadata"]["image/png"]["alt"] for obj, kw in shown if "metadata" in kw]
    assert alts == ["a figure at eta = 0.75"], f"the redraw should carry its new description: {alts}"
    monkeypatch.setenv("LECTUREKIT_HEADLESS", "1")
    calls.clear()
    shown.clear()
    kit.play(draw, eta=eta)
    assert calls == [0.75] and not any(isinstance(obj, ipywidgets.interactive) for obj, _ in shown), (
        f"headless: the static figure only: {calls}, {[type(obj).__name__ for obj, _ in shown]}")
    assert not plt.get_fignums(), "show() should close the figures it showed"
    with pytest.raises(ValueError, match="description"):
        kit.play(draw, eta=ipywidgets.FloatSlider(value=0.25, step=0.25))
    ipywidgets.Widget.close_all()     # now, not from __del__ at the worker's exit (it raises there)


def test_show_keeps_the_description_as_alt_text_and_caption(monkeypatch):
    import matplotlib.pyplot as plt
    kit = load_kit()
    shown = []
    monkeypatch.setattr(kit, "display", lambda obj, **kw: shown.append((obj, kw)))
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    kit.show(fig, "a rising line")
    (image, kw), (caption, _) = shown
    assert image["image/png"].startswith(b"\x89PNG") and kw["metadata"]["image/png"]["alt"] == "a rising line"
    assert "a rising line" in caption.data and not plt.get_fignums()
    with pytest.raises(ValueError):
        kit.show(plt.figure(), " ")


def test_style_problems_finds_colour_only_series_and_faint_lines():
    """Two series told apart by colour only, or a line under 3:1 on its axes, are reported;
    the palette's own cycle of colours and line styles passes."""
    import matplotlib.pyplot as plt
    kit = load_kit()
    xs = np.linspace(0, 1, 5)
    fig, ax = plt.subplots()
    ax.plot(xs, xs, "-", color="C0")
    ax.plot(xs, 2 * xs, "-", color="C1")
    ax.plot(xs, 3 * xs, ":", color="#F0E442")             # Okabe-Ito's yellow: 1.3:1 on white
    ax.axhline(0, color="lightgrey")                      # a guide, not data
    problems = kit.style_problems(fig)
    assert any("share the style" in p for p in problems) and any("contrast 1.3" in p for p in problems), problems
    assert len(problems) == 2, problems
    fig, ax = plt.subplots()
    for k in range(len(kit.PALETTE)):
        ax.plot(xs, k * xs, label=f"series {k}")          # the cycle's colour and line style
    for k in range(len(kit.PALETTE)):
        ax.plot(xs[-1], k, "osD^v"[k], color=f"C{k}")     # its end marked in its colour and own marker
    assert kit.style_problems(fig) == [], kit.style_problems(fig)
    assert all(kit.contrast(c, "white") >= kit.MIN_CONTRAST for c in kit.PALETTE)
    plt.close("all")


def test_lines_are_held_to_3_to_1_against_the_map_they_are_drawn_on():
    """A black contour along the dark end of a cividis map (a relu unit's boundary) is 1.3:1
    on what lies behind it; lecturekit.HALO, a white edge, makes it pass. viridis' light levels
    drawn as contour lines on white are under 3:1; CONTOUR_LINES, viridis cut where it
    falls under 3:1 on white, passes. A line on white is still held to 3:1."""
    import matplotlib.pyplot as plt
    kit = load_kit()
    grid = np.linspace(-3, 3, 121)
    X, Y = np.meshgrid(grid, grid)

    def problems(draw):
        fig, ax = plt.subplots()
        draw(ax)
        found = kit.style_problems(fig)
        plt.close(fig)
        return found

    def boundary(ax, halo):
        ax.pcolormesh(X, Y, np.maximum(X + Y, 0), cmap="cividis", shading="auto")
        contours = ax.contour(X, Y, X + Y, levels=[0], colors="k")
        contours.set_path_effects(kit.HALO if halo else [])
    found = problems(lambda ax: boundary(ax, halo=False))
    assert len(found) == 1 and "line #000000 has contrast 1.3" in found[0] and "100% of its points" in found[0], found
    assert problems(lambda ax: boundary(ax, halo=True)) == []
    found = problems(lambda ax: ax.contour(X, Y, X**2 + Y**2, levels=6, cmap="viridis"))
    assert found and all("contrast" in p for p in found), found
    assert problems(lambda ax: ax.contour(X, Y, X**2 + Y**2, levels=6, cmap=kit.CONTOUR_LINES)) == []
    found = problems(lambda ax: (ax.imshow([[0.0, 1.0]], cmap="gray", extent=(-3, 3, -3, 3)), ax.plot([-3, 3], [0, 0], "k-")))
    assert len(found) == 1 and "1.00:1" in found[0] and "at 50% of its points" in found[0], found    # black on black
    assert kit.contrast(kit.CONTOUR_LINES(1.0), "white") >= kit.MIN_CONTRAST > kit.contrast("#fde725", "white")


def test_style_problems_finds_small_or_faint_text_where_it_is_drawn():
    """Text under MIN_TEXT_PX at the figure's dpi, or under 4.5:1 against the pixels behind it
    (3:1 when large), is reported; a label darkened by readable() on a dark fill passes."""
    import matplotlib.pyplot as plt
    kit = load_kit()
    fig, ax = plt.subplots(dpi=100)
    ax.imshow([[0.0, 1.0]], cmap="gray", extent=(0, 2, 0, 1))          # black left half, white right half
    ax.text(0.5, 0.5, "on black", color="black", fontsize=10)           # 1:1 on what lies behind it
    ax.text(1.5, 0.5, "tiny", color="black", fontsize=6)                # 8.3 px high
    ax.text(1.5, 0.2, "orange", color="#E69F00", fontsize=10)           # Okabe-Ito orange: about 2:1 on white
    ax.text(1.5, 0.8, "large orange", color="#D55E00", fontsize=20)     # 3.5:1, enough at 27.8 px
    ax.text(0.5, 0.2, "readable", color=kit.readable("black", "black"), fontsize=10)
    ax.set_title("a title")
    problems = kit.text_problems(fig)
    plt.close(fig)
    assert len(problems) == 3 and "'on black' has contrast 1.00" in problems[0], problems
    assert "'tiny' is 8.3 px" in problems[1] and "'orange' has contrast 2." in problems[2], problems
    assert kit.contrast(kit.readable("C3"), "white") >= 4.5 > kit.contrast("C3", "white")


def test_play_refuses_sliders_whose_positions_are_inexact_in_binary():
    """Step 0.1 from -4 reaches 1.2000000000000002 in the browser; 0.25 is exact, and so must be
    what the readout prints (0.125 under '.2f' is shown as 0.12)."""
    import ipywidgets
    kit = load_kit()
    assert "step" in kit.inexact_positions(ipywidgets.FloatSlider(value=0.5, min=-4, max=4, step=0.1))
    assert kit.inexact_positions(ipywidgets.FloatSlider(value=0.5, min=-4, max=4, step=0.25)) == ""
    assert "rounds" in kit.inexact_positions(ipywidgets.FloatSlider(value=0.5, min=-4, max=4, step=0.125))
    assert kit.inexact_positions(ipywidgets.FloatSlider(value=0.5, min=-4, max=4, step=0.125, readout_format=".3f")) == ""
    assert kit.inexact_positions(ipywidgets.FloatLogSlider(value=1, min=-1.5, max=1.5, step=0.125)) == ""
    assert kit.inexact_positions(ipywidgets.IntSlider(value=3)) == ""
    with pytest.raises(ValueError, match="not what they show"):
        kit.play(lambda eta: "", eta=ipywidgets.FloatSlider(value=0.5, step=0.1, description="eta"))
    ipywidgets.Widget.close_all()


@pytest.mark.slow
def test_a_widget_shows_its_figure_once_in_a_live_kernel(tmp_path):
    """A kernel without LECTUREKIT_HEADLESS, as a reader's: each play() cell's outputs hold
    the widget and no static figure beside it."""
    import os

    from nbclient import NotebookClient
    lectures.generate(dst=tmp_path)
    path = tmp_path / "03_divergences.ipynb"
    nb = read(path)
    env = {k: v for k, v in os.environ.items() if k != "LECTUREKIT_HEADLESS"}
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
                   ).execute(env=env)
    widgets = [cell for cell in nb.cells if cell.cell_type == "code" and "play(" in cell.source]
    assert widgets
    for cell in widgets:
        kinds = [k for out in cell.outputs for k in out.get("data", {})]
        assert lectures.WIDGET_VIEW in kinds and "image/png" not in kinds, (
            f"a play() cell should show the widget only (its figure lives inside it): {kinds}")


@pytest.fixture(scope="module")
def executed(executed_lectures):
    """Every lecture, solutions and student copies, executed as Run All does: stopping at the
    first error (allow_errors=False), whose text is then stored in place of the notebook; once
    in the whole test run (conftest's executed_lectures)."""
    return executed_lectures(ALL)


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
    nb = ran(path, executed)
    assert not problems(path, nb), "\n".join(problems(path, nb))
    text = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs)
    assert "not answered yet" not in text, f"{path.name}: a self-check misses the solution's answer"


@pytest.mark.slow
@pytest.mark.parametrize("path", STUDENT, ids=lambda p: p.name)
def test_student_notebook_runs_all_past_its_unanswered_exercises(executed, path):
    """Run All reaches the last cell: every figure and widget is drawn, and each self-check
    says its exercise is not answered yet instead of raising."""
    nb = ran(path, executed)
    assert not problems(path, nb), "\n".join(problems(path, nb))
    code = [(i, cell) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for _, cell in code), f"{path.name}: not every cell ran"
    for i, cell in code:
        said = sum(out.get("text", "").count("not answered yet") for out in cell.outputs)
        assert said == lectures.is_self_check(cell), (
            f"{where(path, i, cell)} says 'not answered yet' {said} times; only a self-check should, once")


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_figure_is_described_and_tells_its_series_apart(executed, path):
    """Every image a lecture shows comes from lecturekit.show: it carries a description (alt
    metadata and a visible caption), and style_problems found nothing in its figure: in each
    axes any two line series differ in line style or marker, every data or contour line
    reaches 3:1 on the face or the colour map it is drawn on, and all text is large enough
    and reaches 4.5:1 on what lies behind it. Series that differ by colour alone (bars
    without hatches, scatters with one marker) stay MIN_DELTA_E apart under simulated
    protanopia, deuteranopia and tritanopia and in greyscale, and every colour map keeps its
    values' order in lightness under each of them (colour_vision.disordered)."""
    nb = ran(path, executed)
    figures = 0
    for i, cell in enumerate(nb.cells):
        outputs = cell.get("outputs", [])
        for k, out in enumerate(outputs):
            if "image/png" not in out.get("data", {}):
                continue
            figures += 1
            alt = out.metadata.get("image/png", {}).get("alt", "")
            assert len(alt.split()) >= 8, f"{where(path, i, cell)}: a figure without a description, {alt!r}"
            caption = outputs[k + 1].get("data", {}).get("text/markdown", "") if k + 1 < len(outputs) else ""
            assert alt in caption, f"{where(path, i, cell)}: the description is not shown under the figure"
            problems = out.metadata.get("lecturekit", {}).get("style_problems")
            assert problems == [], f"{where(path, i, cell)}: {problems}"
            close = confusable(out.metadata["lecturekit"]["series"])
            assert not close, (f"{where(path, i, cell)}: series told apart by colour alone come closer than "
                               f"ΔE00 {MIN_DELTA_E} (axes, colours, ΔE00, seen with): {close}")
            unordered = disordered(out.metadata["lecturekit"]["maps"])
            assert not unordered, (f"{where(path, i, cell)}: colour maps whose lightness does not follow their "
                                   f"values for every reader (axes, kind, map, seen with, L* steps): {unordered}")
    assert figures >= 3, f"{path.name}: {figures} figures"


@pytest.mark.slow
def test_a_wrong_answer_still_fails_its_self_check(tmp_path):
    """In a student copy: a wrong answer and a mistake inside the reader's own function both
    raise in their self-checks; only an exercise left alone is 'not answered yet'."""
    name = "02_network_and_activations.ipynb"
    lectures.generate(dst=tmp_path)
    nb = read(tmp_path / name)
    exercises = [i for i, cell in enumerate(nb.cells) if lectures.is_solution(cell)]
    stub = "    raise NotImplementedError()"
    answers = ["    return 0                     # wrong: there are parameters",
               "    return sigmod(z)             # a typo inside the reader's own function"]
    for i, answer in zip(exercises, answers):
        assert stub in nb.cells[i].source
        nb.cells[i].source = nb.cells[i].source.replace(stub, answer)
    nbformat.write(nb, tmp_path / name)
    nb = lectures.execute(tmp_path / name, allow_errors=True)
    checks = [nb.cells[i + 1] for i in exercises]
    errors = [[out.ename for out in cell.outputs if out.output_type == "error"] for cell in checks]
    assert errors == [["AssertionError"], ["NameError"], []], f"errors of the three self-checks: {errors}"
    last = "".join(out.get("text", "") for out in checks[2].outputs)
    assert "Try 2.3: not answered yet" in last, f"the unanswered exercise's self-check says {last!r}"


def test_self_check_reports_a_missing_answer_and_raises_a_wrong_one(capsys):
    """lecturekit.self_check in-process, for an answer written at a cell's top level."""
    kit = load_kit()
    cell = compile('with self_check("Try 9.9"):\n    assert eta_max < 0.5, "too large"\n', "<cell>", "exec")
    exec(cell, {"self_check": kit.self_check})
    assert capsys.readouterr().out.startswith("Try 9.9: not answered yet — `eta_max` is not defined")
    with pytest.raises(AssertionError, match="too large"):
        exec(cell, {"self_check": kit.self_check, "eta_max": 1.0})
    reader = compile('def f():\n    return undefined\nwith self_check("Try 9.9"):\n    f()\n', "<cell>", "exec")
    with pytest.raises(NameError):          # a name missing inside the reader's own code is their mistake
        exec(reader, {"self_check": kit.self_check})


@pytest.mark.slow
def test_site_has_an_index_and_a_page_per_lecture(executed, tmp_path, monkeypatch):
    """`python -m autograder site`, with execution reused from the fixture."""
    monkeypatch.setattr(lectures, "execute_all", lambda paths, allow_errors=False: [ran(p, executed) for p in paths])
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
        solutions = sum(lectures.is_exercise(c) for c in executed[path].cells)
        assert html.count("<details><summary>Solution") == solutions, f"{page}: solutions not folded"
        questions = sum(c.source.startswith("**Question ") for c in executed[path].cells)
        assert html.count("<details><summary>Answer") == questions > 0, f"{page}: answers not folded"
        assert "BEGIN SOLUTION" not in html, f"{page}: shows nbgrader's markers"
        assert lectures.WIDGET_VIEW not in html, f"{page}: a widget no browser can run without a kernel"


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(lectures.ROOT)))
def test_jupyter_would_save_the_notebook_byte_for_byte(path):
    """Jupyter's contents manager writes a notebook with nbformat.write(nb, f, NO_CONVERT);
    a file that differs from that (indent, key order, ids, final newline) is rewritten."""
    import io
    nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    saved = io.StringIO()
    nbformat.write(nb, saved, version=nbformat.NO_CONVERT)
    assert saved.getvalue() == path.read_text(encoding="utf-8"), f"{path.name}: Jupyter would rewrite it"
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5) and all("id" in cell for cell in nb.cells)


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(lectures.ROOT)))
def test_the_notebook_holds_the_metadata_its_kernel_gives_it(path):
    """JupyterLab sets `kernelspec` and `language_info` from the kernel it starts on opening
    the notebook, and any change marks the notebook modified. Compared with this machine's
    kernel, but for the Python version (the reader's may differ)."""
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_client.kernelspec import KernelSpecManager
    spec = KernelSpecManager().get_kernel_spec("python3")
    meta = read(path).metadata
    assert meta.get("kernelspec") == {"display_name": spec.display_name, "language": spec.language,
                                      "name": "python3"}, f"{path.name}: {meta.get('kernelspec')}"
    kernel = {**IPythonKernel.language_info, "version": lectures.LANGUAGE_INFO["version"]}
    assert meta.get("language_info") == kernel, f"{path.name}: {meta.get('language_info')}"


def test_the_site_works_offline_with_titles_and_links_between_lectures(tmp_path):
    """render_site on three lectures (unexecuted: rendering needs no kernel): MathJax is a
    local file of the site, each page has its lecture's <title>, and every link resolves."""
    from urllib.parse import urlsplit
    chosen = SOURCES[:3]
    lectures.render_site({path.name: read(path) for path in chosen}, tmp_path)
    pages = [tmp_path / path.with_suffix(".html").name for path in chosen]
    for i, page in enumerate([tmp_path / "index.html"] + pages):
        text = page.read_text()
        scripts = [src for src in re.findall(r'<script[^>]*\ssrc="([^"]+)"', text) if "mathjax" in src.lower()]
        assert scripts, f"{page.name} loads no MathJax"
        for src in scripts:
            url = urlsplit(src)
            assert not url.scheme and not url.netloc and not url.path.startswith("/"), f"{page.name}: {src}"
            assert (tmp_path / url.path).is_file(), f"{page.name}: {url.path} is not in the site"
        font = re.search(r'webFont: "([^"]+)"', text)   # MathJax's default, TeX, is not in the package
        assert font and (tmp_path / lectures.MATHJAX / "fonts/HTML-CSS" / font[1]).is_dir(), f"{page.name}: {font}"
        assert not re.findall(r'<script[^>]*\ssrc="https?:', text), f"{page.name} loads a script from the internet"
        hrefs = re.findall(r'<a[^>]*\shref="([^"#:]+)"', text)
        for href in hrefs:
            assert (tmp_path / href).is_file(), f"{page.name} links {href}, which is not in the site"
        if i == 0:
            continue
        k = i - 1
        title = lectures.describe(read(chosen[k]))[0]
        assert f"<title>{title}</title>" in text, f"{page.name}: {re.findall('<title>.*?</title>', text)}"
        nav = re.findall(r'<nav class="lecture-nav".*?</nav>', text)
        assert len(nav) == 2, f"{page.name}: navigation at the top and the bottom, found {len(nav)}"
        expected = {"index.html"} | ({pages[k - 1].name} if k > 0 else set()) | (
            {pages[k + 1].name} if k + 1 < len(pages) else set())
        assert set(re.findall(r'href="([^"]+)"', nav[0])) == expected, f"{page.name}: {nav[0]}"
    notation = (tmp_path / lectures.NOTATION_PAGE).read_text()       # the page the lectures cite
    assert "<title>Notation" in notation and "Two clashes: N and Y" in notation and "<table" in notation
    assert all(f'href="{lectures.NOTATION_PAGE}"' in page.read_text() for page in [tmp_path / "index.html", *pages])
    cdn = tmp_path / "cdn"
    lectures.render_site({chosen[0].name: read(chosen[0])}, cdn, mathjax_url="https://cdn.example/MathJax.js")
    assert not (cdn / lectures.MATHJAX).exists() and "https://cdn.example/MathJax.js" in (cdn / "index.html").read_text()
