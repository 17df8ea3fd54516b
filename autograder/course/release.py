"""Build what students receive: the assignment's student notebooks and the whole bundle.

    python -m autograder release [--out dist]

1. `nbgrader generate_assignment hw1` turns solutions/hw1 (nbgrader's source/) into
   assignments/hw1 (its release/): solutions stubbed, hidden tests removed.
2. The bundle dist/backprop-hw1/ (and .zip) holds the lectures, the assignment, the stub
   mytorch/, the student's part of the autograder (autograder/parts and autograder/student:
   check, handin, visible tests), the notation page and a student README. Instructor folders
   are never copied.
"""
import re
import shutil
import tempfile
from pathlib import Path

from ..parts import ASSIGNMENT, COURSE
from . import nbgrader_cli
from .paths import ROOT

# What of the autograder a student gets: the package's two entry files and the folders that
# ship to students by design (see autograder/__init__.py).
STUDENT_AUTOGRADER = ["__init__.py", "__main__.py", "parts", "student"]
BUNDLE = f"{COURSE}-{ASSIGNMENT}"
STUDENT_NEEDS = ("numpy", "matplotlib", "scikit-learn", "jupyter", "ipywidgets")


def requirements():
    """The student's requirements.txt: pyproject's ranges for what the homework needs."""
    import tomllib
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return "".join(f"{d}\n" for d in deps if re.split(r"[<>=!~ \[]", d)[0] in STUDENT_NEEDS)


def generate_assignment(release_dir=ROOT / "assignments"):
    """Run nbgrader generate_assignment with the repository's layout into `release_dir`."""
    with tempfile.TemporaryDirectory() as tmp:
        done = nbgrader_cli.run(
            ["generate_assignment", ASSIGNMENT, "--force",
             f"--CourseDirectory.release_directory={Path(release_dir).resolve()}",
             f"--CourseDirectory.db_url=sqlite:///{tmp}/gradebook.db"],
            cwd=ROOT, budget=nbgrader_cli.NO_KERNEL_S, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{done.stdout}\n{done.stderr}")
    return Path(release_dir) / ASSIGNMENT


def _copytree(src, dst):
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"))


def build_bundle(out):
    """Write the student bundle to out/backprop-hw1/ and out/backprop-hw1.zip; return the folder."""
    out = Path(out)
    folder = out / BUNDLE
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    _copytree(ROOT / "lectures", folder / "lectures")
    _copytree(ROOT / "assignments" / ASSIGNMENT, folder / "assignments" / ASSIGNMENT)
    _copytree(ROOT / "mytorch", folder / "mytorch")
    (folder / "autograder").mkdir()
    for name in STUDENT_AUTOGRADER:
        source = ROOT / "autograder" / name
        if source.is_dir():
            _copytree(source, folder / "autograder" / name)
        else:
            shutil.copy2(source, folder / "autograder" / name)
    shutil.copy2(ROOT / "NOTATION.md", folder / "NOTATION.md")      # the docstrings and lectures cite it
    shutil.copy2(Path(__file__).with_name("STUDENT_README.md"), folder / "README.md")
    (folder / "requirements.txt").write_text(requirements())
    shutil.make_archive(str(out / BUNDLE), "zip", out, BUNDLE)
    return folder


def main(args):
    generate_assignment()
    folder = build_bundle(args.out)
    print(f"regenerated assignments/{ASSIGNMENT}/ with nbgrader\nwrote {folder}/ and {folder}.zip: "
          f"give students the zip")
    return 0


def add_parser(commands):
    p = commands.add_parser("release", help="(instructors) build the student bundle (folder and zip)")
    p.add_argument("--out", default="dist", help="output folder (default: dist)")
    p.set_defaults(run=main)
