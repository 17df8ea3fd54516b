"""Pack a student's work into one file to upload.

    python -m autograder handin [--out handin.zip]      # run in the homework folder

A handin holds the assignment's notebooks and every `.py` file under mytorch/ (the student's
own helper modules included), nothing else, within the size bounds below. The grader unpacks
it by the same rules (`grading/intake.py`), so what `check` saw is what is graded.
"""
import sys
import zipfile
from pathlib import Path

from ..parts import ASSIGNMENT, NOTEBOOKS

MAX_FILE_BYTES = 2 * 2 ** 20        # a notebook without outputs or a module is far smaller
MAX_TOTAL_BYTES = 10 * 2 ** 20
MAX_FILES = 200


class HandinError(ValueError):
    """A handin that cannot be packed or unpacked; the message says what to do."""


def mytorch_files(root):
    """(packed, left out): the .py files under root/mytorch, and what else is there."""
    folder = Path(root) / "mytorch"
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    py = [p.relative_to(root).as_posix() for p in files if p.suffix == ".py"]
    other = [p.relative_to(root).as_posix() for p in files if p.suffix != ".py"]
    return py, other


def pack(root, out):
    """Zip the student's work under `root` into `out`; refuse if anything is missing or too large.
    Returns the files left out (under mytorch/ but not .py)."""
    root = Path(root)
    notebooks = [f"assignments/{ASSIGNMENT}/{nb}" for nb in NOTEBOOKS]
    py, other = mytorch_files(root)
    missing = [f for f in notebooks + ["mytorch/__init__.py"] if not (root / f).is_file()]
    if missing:
        raise HandinError(f"cannot hand in: {len(missing)} file(s) missing under {root}: "
                          + ", ".join(missing) + ". Run this in the homework folder (the one holding "
                          "mytorch/ and assignments/), and restore any file you deleted from the release.")
    files = notebooks + py
    links = [f for f in files if (root / f).is_symlink()]
    if links:
        raise HandinError(f"cannot hand in: {', '.join(links)} is a symbolic link; replace it by the file itself")
    sizes = {f: (root / f).stat().st_size for f in files}
    large = [f"{f} ({n / 2 ** 20:.1f} MB)" for f, n in sizes.items() if n > MAX_FILE_BYTES]
    if large:
        raise HandinError(f"cannot hand in: {', '.join(large)} is larger than {MAX_FILE_BYTES // 2 ** 20} MB; "
                          f"clear the notebook's outputs (Edit > Clear Outputs of All Cells) and save")
    if sum(sizes.values()) > MAX_TOTAL_BYTES or len(files) > MAX_FILES:
        raise HandinError(f"cannot hand in: {len(files)} files of {sum(sizes.values()) / 2 ** 20:.1f} MB in all; "
                          f"a handin holds at most {MAX_FILES} files and {MAX_TOTAL_BYTES // 2 ** 20} MB")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            z.write(root / f, f)
    return other


def main(args):
    try:
        left_out = pack(Path.cwd() if args.root is None else Path(args.root), args.out)
    except HandinError as e:
        print(e, file=sys.stderr)
        return 2
    print(f"wrote {args.out}: upload this file. It holds your {len(NOTEBOOKS)} notebooks and every "
          f".py file under mytorch/.")
    if left_out:
        print("not packed (only .py files under mytorch/ are graded): " + ", ".join(left_out))
    return 0


def add_parser(commands):
    p = commands.add_parser("handin", help="(students) pack your notebooks and mytorch/ into one zip")
    p.add_argument("--out", default="handin.zip")
    p.add_argument("--root", help="the homework folder (default: the current folder)")
    p.set_defaults(run=main)
