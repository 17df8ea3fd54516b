"""What the homework notebooks tell students, in the source and in the released copy."""
import nbformat
import pytest

from autograder.course.paths import ROOT

TRAINING = ["solutions/hw1/3_training.ipynb", "assignments/hw1/3_training.ipynb"]


@pytest.mark.parametrize("name", TRAINING)
def test_training_curve_blames_its_dips_on_minibatch_noise(name):
    """With batches of 32, the epoch-to-epoch dips come first from the noise of minibatch gradients."""
    cells = nbformat.read(ROOT / name, as_version=4).cells
    text = next(" ".join(c.source.split()) for c in cells if c.source.startswith("## The training curve"))
    assert "minibatch noise" in text, f"{name}: the training curve's text should name minibatch noise"
    assert "oscillation of a too-large step" not in text, f"{name}: the dips are not full-batch oscillation"


@pytest.mark.parametrize("name", TRAINING)
def test_the_operations_table_lists_what_broken_assumption_is_asked(name):
    """The grader asks about cases.concepts.OPERATIONS, all of them in the hidden test: the notebook's
    table must define exactly those (a name missing there could not be answered)."""
    import re
    from autograder.parts.cases.concepts import OPERATIONS
    cells = nbformat.read(ROOT / name, as_version=4).cells
    text = next(c.source for c in cells if "`concept_assumptions`" in c.source and "| `operation` |" in c.source)
    assert re.findall(r'^\| `"(\w+)"` \|', text, flags=re.M) == list(OPERATIONS), name


NOTEBOOKS = sorted(str(p.relative_to(ROOT)) for folder in ("solutions", "assignments", "lectures")
                   for p in (ROOT / folder).rglob("*.ipynb"))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_dollar_sign_touches_a_backtick(name):
    """JupyterLab finds code spans before math with /(^|[^\\])(`+)...\2/, which takes the character
    before the opening backtick into the span: a math span's closing `$` right before a backtick is
    hidden, the math runs on to the next `$` across lines, and a list collapses into raw TeX
    (1_optimisation's gradient-descent steps did). Write ($x^k$, `"gradient"`), not $(x^k, $`"gradient"`$)$."""
    cells = nbformat.read(ROOT / name, as_version=4).cells
    touching = [(i, line) for i, c in enumerate(cells) if c.cell_type == "markdown"
                for line in c.source.splitlines() if "$`" in line]
    assert not touching, f"{name}: {touching[:3]}"


HOMEWORK = sorted(str(p.relative_to(ROOT)) for folder in ("solutions", "assignments")
                  for p in (ROOT / folder / "hw1").glob("*.ipynb"))


@pytest.mark.parametrize("name", HOMEWORK)
def test_every_figure_is_followed_by_a_caption_in_words(name):
    """JupyterLab shows no alt text: a figure is described by a printed caption ("Figure: ...")
    right after plt.show() in the cell that draws it, with what it shows and its markers."""
    cells = nbformat.read(ROOT / name, as_version=4).cells
    bare = [i for i, c in enumerate(cells) if c.cell_type == "code" and "plt.show()" in c.source
            and 'print(f"Figure: ' not in c.source.split("plt.show()", 1)[1]
            and 'print("Figure: ' not in c.source.split("plt.show()", 1)[1]]
    assert not bare, f"{name}: cells {bare} draw a figure with no caption after it"
