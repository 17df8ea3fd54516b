"""The instructor's workflow in one command, on three sample students.

    python -m autograder demo [--dir demo]

Builds the student bundle, hands in three submissions (the reference solution, the
untouched stubs, and one with the typical mistakes of samples.DEMO_MISTAKES), grades them
with nbgrader, and prints the gradebook. Everything lands in DIR (default ./demo).
"""
import shutil
from pathlib import Path

from .course import release
from .course.paths import REFERENCE
from .grading import exports, grade, sandbox
from .parts import ASSIGNMENT
from .samples import DEMO_MISTAKES, make_handin, solved_notebooks, with_mistakes


def run(folder, log=print):
    folder = Path(folder).resolve()
    if folder.exists():
        shutil.rmtree(folder)
    log(f"1. release: student bundle in {folder / 'dist'}")
    bundle = release.build_bundle(folder / "dist")
    handins = folder / "handins"
    handins.mkdir()
    log("2. hand in: reference_student, stub_student, mistaken_student ("
        + ", ".join(m.name for m in DEMO_MISTAKES) + ")")
    solved = solved_notebooks(bundle / "assignments" / ASSIGNMENT, folder / "solved_notebooks")
    make_handin(handins / "reference_student.zip", solved, REFERENCE)
    make_handin(handins / "stub_student.zip", bundle / "assignments" / ASSIGNMENT, bundle / "mytorch")
    make_handin(handins / "mistaken_student.zip", solved,
                with_mistakes(DEMO_MISTAKES, folder / "mistaken_mytorch"))
    log(f"3. grade with nbgrader in {folder / 'course'}")
    unsafe = not sandbox.bwrap_available()
    if unsafe:
        log("   (bubblewrap is not installed: the demo grades its own three samples without the sandbox; "
            "a class is never graded so: apt-get install bubblewrap)")
    markers, failures = grade.grade(handins, folder / "course", log=log, unsafe_no_sandbox=unsafe)
    log("\n4. the gradebook\n" + exports.summary({sid: m["scores"] for sid, m in markers.items()}))
    for failure in failures:
        log(f"not complete: {failure}")
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
