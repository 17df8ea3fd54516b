"""Sample handins: the reference solution, the untouched stubs, and the reference with mistakes.

The demo, the tests and the benchmark build their classes from these. A `Mistake` is a small
edit of the reference library with the parts it must cost; the demo's three are here, the
tests' catalogue (tests/mistakes.py) adds the rest.
"""
import shutil
from dataclasses import dataclass
import tempfile
from pathlib import Path

from .course.paths import REFERENCE, SOLUTIONS
from .parts import ASSIGNMENT
from .parts.cells import grade_id, is_solution
from .student import handin

@dataclass(frozen=True)
class Mistake:
    name: str
    file: str                # path inside mytorch/, or a notebook ("3_training.ipynb"): its answers
    edits: tuple             # (old, new) pairs applied to the reference source, each exactly once
    lost: frozenset          # part ids that must score zero
    hint: str                # a regex that check's report must contain

    @property
    def notebook(self):
        """The notebook stem whose answer cells the mistake edits, or None (it edits mytorch)."""
        return self.file[:-len(".ipynb")] if self.file.endswith(".ipynb") else None


def apply(mistake, reference_dir, out_dir):
    """Copy the reference package to out_dir with the mistake's edits (each must match once);
    a mistake in a notebook leaves the package as it is (see `answered`)."""
    shutil.copytree(reference_dir, out_dir, ignore=shutil.ignore_patterns("__pycache__"))
    if mistake.notebook:
        return out_dir
    path = out_dir / mistake.file
    text = path.read_text()
    for old, new in mistake.edits:
        if text.count(old) != 1:
            raise ValueError(f"{mistake.name}: {old!r} found {text.count(old)} times in {mistake.file}")
        text = text.replace(old, new)
    path.write_text(text)
    return out_dir


# The demo's mistaken student makes these three together.
DEMO_MISTAKES = [
    Mistake("tanh_wrong_sign", "nn/activation.py",
            (("return dLdA * (1 - self.A ** 2)", "return dLdA * (self.A ** 2 - 1)"),),
            frozenset({"network", "tanh_backward"}), "wrong sign"),
    Mistake("softmax_unstable", "nn/activation.py",
            (("e = np.exp(Z - Z.max(axis=-1, keepdims=True))", "e = np.exp(Z)"),),
            frozenset({"softmax_forward"}), "overflow"),
    Mistake("ce_smoothing_epsilon", "nn/loss.py",
            (("return (1 - alpha) * D + alpha / C", "return (1 - C * alpha) * D + alpha"),),
            frozenset({"ce_forward"}), "label smoothing"),
]


def make_handin(out, notebooks, mytorch):
    """Zip notebooks (a folder) and a mytorch package folder as `handin` would; return the zip."""
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        shutil.copytree(notebooks, stage / "assignments" / ASSIGNMENT,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        shutil.copytree(mytorch, stage / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
        handin.pack(stage, out)
    return Path(out)


def solved_notebooks(release_dir, out_dir):
    """The released notebooks with every answer cell filled in from the instructor's source:
    what a student who solved everything hands in (no hidden tests, no other change)."""
    import nbformat
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for nb_path in sorted(Path(release_dir).glob("*.ipynb")):
        source = nbformat.read(SOLUTIONS / ASSIGNMENT / nb_path.name, as_version=4)
        answers = {grade_id(c): c.source for c in source.cells if is_solution(c)}
        nb = nbformat.read(nb_path, as_version=4)
        for c in nb.cells:
            if grade_id(c) in answers:
                c.source = "\n".join(line for line in answers[grade_id(c)].splitlines()
                                      if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
        nbformat.write(nb, out_dir / nb_path.name)
    return out_dir


def answered(mistake, notebooks, out_dir):
    """The solved `notebooks` (a folder) with a notebook mistake's edits made in its answer cells,
    copied to out_dir; `notebooks` itself for a mistake in mytorch."""
    import nbformat
    from .course.notebook_answers import edit_answers
    if not mistake.notebook:
        return notebooks
    shutil.copytree(notebooks, out_dir)
    path = Path(out_dir) / mistake.file
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if is_solution(c)]
    for cell, source in zip(cells, edit_answers([c.source for c in cells], mistake.edits, mistake.file)):
        cell.source = source
    nbformat.write(nb, path)
    return out_dir


def with_mistakes(mistakes, out_dir):
    """The reference package with `mistakes` applied together."""
    current = REFERENCE
    with tempfile.TemporaryDirectory() as tmp:
        for k, mistake in enumerate(mistakes):
            current = apply(mistake, current, Path(tmp) / f"step{k}")
        shutil.copytree(current, out_dir)
    return out_dir
