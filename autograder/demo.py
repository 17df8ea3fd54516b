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
    make_handin(handins / "reference_student.zip", SOLUTIONS / ASSIGNMENT, REFERENCE)
    make_handin(handins / "stub_student.zip", bundle / "assignments" / ASSIGNMENT, bundle / "mytorch")
    make_handin(handins / "mistaken_student.zip", SOLUTIONS / ASSIGNMENT,
                with_mistakes(DEMO_MISTAKES, folder / "mistaken_mytorch"))
    log(f"3. grade with nbgrader in {folder / 'course'}")
    table, problems = grade.grade(handins, folder / "course", log=log)
    log("\n4. the gradebook\n" + grade.summary(table, problems))
    log(f"\nfeedback: {folder}/course/feedback/<student>/{ASSIGNMENT}/*.html; "
        f"exports: {folder}/course/exports/")
    return table, problems


def main(args):
    run(args.dir)
    return 0


def add_parser(commands):
    p = commands.add_parser("demo", help="(instructors) release, hand in three samples, grade, print the gradebook")
    p.add_argument("--dir", default="demo", help="working folder (default: ./demo; replaced)")
    p.set_defaults(run=main)
