"""The instructor's workflow in one command, on three sample students.

    python -m autograder demo [--dir demo]

Builds the student bundle, hands in three submissions (the reference solution, the
untouched stubs, and one with typical mistakes from tests/mistakes.py), grades them with
nbgrader, and prints the gradebook. Everything lands in DIR (default ./demo).
"""
import importlib.util
import shutil
import tempfile
from pathlib import Path

from . import grade, handin, release
from .parts import ASSIGNMENT
from .paths import REFERENCE, ROOT, SOLUTIONS

DEMO_MISTAKES = ["tanh_wrong_sign", "softmax_unstable", "ce_smoothing_epsilon"]


def _mistakes():
    spec = importlib.util.spec_from_file_location("course_mistakes", ROOT / "tests" / "mistakes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_handin(out, notebooks, mytorch):
    """Zip notebooks (a folder) and a mytorch package folder as `handin` would; return the zip."""
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        shutil.copytree(notebooks, stage / "assignments" / ASSIGNMENT,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        shutil.copytree(mytorch, stage / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
        return handin.pack(stage, out)


def solved_notebooks(release_dir, out_dir):
    """The released notebooks with every answer cell filled in from the instructor's source:
    what a student who solved everything hands in (no hidden tests, no other change)."""
    import nbformat
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for nb_path in sorted(Path(release_dir).glob("*.ipynb")):
        source = nbformat.read(SOLUTIONS / ASSIGNMENT / nb_path.name, as_version=4)
        answers = {c.metadata.nbgrader["grade_id"]: c.source for c in source.cells
                   if c.metadata.get("nbgrader", {}).get("solution")}
        nb = nbformat.read(nb_path, as_version=4)
        for c in nb.cells:
            gid = c.metadata.get("nbgrader", {}).get("grade_id")
            if gid in answers:
                c.source = "\n".join(line for line in answers[gid].splitlines()
                                      if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
        nbformat.write(nb, out_dir / nb_path.name)
    return out_dir


def with_mistakes(names, out_dir):
    """The reference package with the named mistakes of tests/mistakes.py applied together."""
    m = _mistakes()
    chosen = {x.name: x for x in m.MISTAKES}
    current = REFERENCE
    with tempfile.TemporaryDirectory() as tmp:
        for k, name in enumerate(names):
            current = m.apply(chosen[name], current, Path(tmp) / f"step{k}")
        shutil.copytree(current, out_dir)
    return out_dir


def run(folder, log=print):
    folder = Path(folder).resolve()
    if folder.exists():
        shutil.rmtree(folder)
    log(f"1. release: student bundle in {folder / 'dist'}")
    bundle = release.build_bundle(folder / "dist")
    handins = folder / "handins"
    handins.mkdir()
    log("2. hand in: reference_student, stub_student, mistaken_student (" + ", ".join(DEMO_MISTAKES) + ")")
    solved = solved_notebooks(bundle / "assignments" / ASSIGNMENT, folder / "solved_notebooks")
    make_handin(handins / "reference_student.zip", solved, REFERENCE)
    make_handin(handins / "stub_student.zip", bundle / "assignments" / ASSIGNMENT, bundle / "mytorch")
    make_handin(handins / "mistaken_student.zip", solved,
                with_mistakes(DEMO_MISTAKES, folder / "mistaken_mytorch"))
    log(f"3. grade with nbgrader in {folder / 'course'}")
    markers = grade.grade(handins, folder / "course", log=log)
    log("\n4. the gradebook\n" + grade.summary(markers))
    log(f"\nfeedback: {folder}/course/feedback/<student>/{ASSIGNMENT}/*.html; "
        f"exports: {folder}/course/exports/")
    return markers


def main(args):
    run(args.dir)
    return 0


def add_parser(commands):
    p = commands.add_parser("demo", help="(instructors) release, hand in three samples, grade, print the gradebook")
    p.add_argument("--dir", default="demo", help="working folder (default: ./demo; replaced)")
    p.set_defaults(run=main)
