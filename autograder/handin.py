"""Pack a student's work into one file to upload, and unpack one safely for grading.

    python -m autograder handin [--out handin.zip]      # run in the homework folder

A handin holds the assignment's notebooks and the student's mytorch/ package, nothing else.
"""
import sys
import zipfile
from pathlib import Path, PurePosixPath

from .parts import ASSIGNMENT, PARTS

NOTEBOOKS = sorted({f"{p.notebook}.ipynb" for p in PARTS})
MYTORCH_FILES = ["__init__.py", "gradcheck.py", "unitwise.py", "models/__init__.py", "models/mlp.py",
                 "nn/__init__.py", "nn/activation.py", "nn/linear.py", "nn/loss.py", "nn/module.py",
                 "nn/sequential.py", "optim/__init__.py", "optim/sgd.py"]


class HandinError(ValueError):
    """A handin that cannot be packed or unpacked; the message says what to do."""


def expected_files():
    """Paths inside a handin: assignments/hw1/<notebook> and mytorch/<file>."""
    return ([f"assignments/{ASSIGNMENT}/{nb}" for nb in NOTEBOOKS]
            + [f"mytorch/{f}" for f in MYTORCH_FILES])


def pack(root, out):
    """Zip the student's work under `root` into `out`; refuse if anything is missing."""
    root = Path(root)
    missing = [f for f in expected_files() if not (root / f).is_file()]
    if missing:
        raise HandinError(f"cannot hand in: {len(missing)} file(s) missing under {root}: "
                          + ", ".join(missing) + ". Run this in the homework folder (the one holding "
                          "mytorch/ and assignments/), and restore any file you deleted from the release.")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for f in expected_files():
            z.write(root / f, f)
    return out


def unpack(source, dest):
    """Copy a handin (a zip file or a folder) into `dest` as nbgrader's submitted/<s>/hw1 expects:
    the notebooks at the top, mytorch/ beside them. Only expected files are taken; a path
    that escapes the handin or a file that is not a zip raises HandinError."""
    source, dest = Path(source), Path(dest)
    wanted = {f: (f.split("/", 2)[-1] if f.startswith("assignments/") else f) for f in expected_files()}
    dest.mkdir(parents=True, exist_ok=True)
    found = []
    if source.is_dir():
        for f, target in wanted.items():
            if (source / f).is_file():
                (dest / target).parent.mkdir(parents=True, exist_ok=True)
                (dest / target).write_bytes((source / f).read_bytes())
                found.append(f)
        return found
    if not zipfile.is_zipfile(source):
        raise HandinError(f"{source.name} is not a zip file; hand in what `python -m autograder handin` makes")
    with zipfile.ZipFile(source) as z:
        for info in z.infolist():
            name = PurePosixPath(info.filename)
            if name.is_absolute() or ".." in name.parts:
                raise HandinError(f"{source.name}: path {info.filename!r} escapes the handin folder")
            name = str(name)
            # accept a handin zipped one folder deeper (e.g. homework/mytorch/...)
            for f, target in wanted.items():
                if name == f or name.endswith("/" + f):
                    (dest / target).parent.mkdir(parents=True, exist_ok=True)
                    (dest / target).write_bytes(z.read(info))
                    found.append(f)
                    break
    return found


def main(args):
    try:
        out = pack(Path.cwd() if args.root is None else Path(args.root), args.out)
    except HandinError as e:
        print(e, file=sys.stderr)
        return 2
    print(f"wrote {out}: upload this file. It holds {len(expected_files())} files: your notebooks "
          f"and mytorch/.")
    return 0


def add_parser(commands):
    p = commands.add_parser("handin", help="(students) pack your notebooks and mytorch/ into one zip")
    p.add_argument("--out", default="handin.zip")
    p.add_argument("--root", help="the homework folder (default: the current folder)")
    p.set_defaults(run=main)
