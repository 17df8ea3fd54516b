"""Pack a student's work into one file to upload.

    python -m autograder handin [--out handin.zip]      # run in the homework folder

A handin holds the assignment's notebooks and every `.py` file under mytorch/ (the student's
own helper modules included), nothing else, within the size bounds below. The grader unpacks
it by the same rules, so what `check` saw is what is graded. It warns, naming them, about
answer cells that still hold the release's stub and files that do not compile, and packs
them anyway.
"""
import json
import sys
import zipfile
from pathlib import Path

from ..parts import ASSIGNMENT, NOTEBOOKS
from ..parts.cells import is_solution

# What nbgrader's generate_assignment leaves in an answer cell (ClearSolutions' default stubs):
# a code cell's `raise NotImplementedError()`, a Markdown cell's "YOUR ANSWER HERE".
STUBS = {"code": "raise NotImplementedError()", "markdown": "YOUR ANSWER HERE"}

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


def _lines(cell):
    source = cell.get("source", "")
    return ("".join(source) if isinstance(source, list) else str(source)).splitlines()


def unanswered(root):
    """Lines naming each answer cell of the notebooks under `root` that still holds its stub, by
    notebook, cell number (counted from 1, top to bottom) and the heading of its section (what
    a student sees in JupyterLab), and each notebook that cannot be read as one."""
    said = []
    for nb in NOTEBOOKS:
        path = Path(root) / "assignments" / ASSIGNMENT / nb
        try:
            cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if isinstance(c, dict)]
            section, found = "", []
            for number, cell in enumerate(cells, start=1):
                if cell.get("cell_type") == "markdown":     # the last heading above the cell
                    section = ([line.lstrip("#").strip() for line in _lines(cell) if line.startswith("#")]
                               or [section])[-1]
                stub = STUBS.get(cell.get("cell_type"))
                if is_solution(cell) and any(line.strip() == stub for line in _lines(cell)):
                    found.append(f"{nb}, cell {number}" + (f", in {section!r}" if section else "")
                                 + f": still holds {stub!r}")
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            found = [f"{nb}: not a readable notebook ({type(e).__name__}); grading replaces it by "
                     f"the released one, whose answers score zero"]
        said += found
    return said


def syntax_errors(root):
    """A line for each .py file under root/mytorch that Python cannot compile, naming its line."""
    said = []
    for name in mytorch_files(root)[0]:
        try:
            compile((Path(root) / name).read_bytes(), name, "exec")
        except (SyntaxError, ValueError) as e:          # ValueError: a null byte in the source
            where = f"{name}:{e.lineno}" if getattr(e, "lineno", None) else name
            said.append(f"{where}: {type(e).__name__}: {getattr(e, 'msg', e)}")
    return said


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
    root = Path.cwd() if args.root is None else Path(args.root)
    try:
        left_out = pack(root, args.out)
    except HandinError as e:
        print(e, file=sys.stderr)
        if Path(args.out).exists():
            print(f"The {args.out} here is from an earlier run and does not hold your current work.",
                  file=sys.stderr)
        return 2
    print(f"wrote {args.out}: upload this file. It holds your {len(NOTEBOOKS)} notebooks and every "
          f".py file under mytorch/.")
    if left_out:
        print("not packed (only .py files under mytorch/ are graded): " + ", ".join(left_out))
    broken = syntax_errors(root)
    if broken:
        print("\nwarning: these files do not compile, so every part that imports them scores zero "
              "(`python -m autograder check` shows which):\n" + "\n".join(f"  {line}" for line in broken))
    todo = unanswered(root)
    if todo:      # a warning, not a refusal: a student may hand in what they have before the deadline
        print("\nwarning: not answered yet (as they are, these score zero; answer them, save the "
              "notebook, and run handin again):\n" + "\n".join(f"  {line}" for line in todo))
    return 0


def add_parser(commands):
    p = commands.add_parser("handin", help="(students) pack your notebooks and mytorch/ into one zip")
    p.add_argument("--out", default="handin.zip")
    p.add_argument("--root", help="the homework folder (default: the current folder)")
    p.set_defaults(run=main)
