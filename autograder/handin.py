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


def _target(name):
    """Where a file of a handin goes in nbgrader's submitted/<s>/hw1/, or None to leave it out.

    Notebooks are recognised by name wherever they are (assignments/hw1/, hw1/ as nbgrader
    collects them, or the top); mytorch files by their path below a mytorch/ folder."""
    parts = PurePosixPath(name).parts
    if ".ipynb_checkpoints" in parts or not parts:
        return None
    if parts[-1] in NOTEBOOKS:
        return parts[-1]
    if "mytorch" in parts:
        rest = "/".join(parts[len(parts) - 1 - parts[::-1].index("mytorch") + 1:])
        if rest in MYTORCH_FILES:
            return f"mytorch/{rest}"
    return None


def unpack(source, dest):
    """Copy a handin (a zip file or a folder) into `dest` as nbgrader's submitted/<s>/hw1 expects:
    the notebooks at the top, mytorch/ beside them. Only expected files are taken; a path
    that escapes the handin or a file that is not a zip raises HandinError.
    Returns the handin paths (assignments/hw1/<nb>, mytorch/<f>) that were found."""
    source, dest = Path(source), Path(dest)
    if source.is_dir():
        entries = [(p.relative_to(source).as_posix(), p.read_bytes) for p in sorted(source.rglob("*"))
                   if p.is_file()]
    elif zipfile.is_zipfile(source):
        z = zipfile.ZipFile(source)
        entries = []
        for info in z.infolist():
            name = PurePosixPath(info.filename)
            if name.is_absolute() or ".." in name.parts:
                raise HandinError(f"{source.name}: path {info.filename!r} escapes the handin folder")
            if not info.is_dir():
                entries.append((info.filename, lambda info=info: z.read(info)))
    else:
        raise HandinError(f"{source.name} is not a zip file; hand in what `python -m autograder handin` makes")
    dest.mkdir(parents=True, exist_ok=True)
    found = []
    for name, read in entries:
        target = _target(name)
        if target is None or (dest / target).exists():
            continue                      # not part of a handin, or a second copy
        (dest / target).parent.mkdir(parents=True, exist_ok=True)
        (dest / target).write_bytes(read())
        found.append(target if target.startswith("mytorch/") else f"assignments/{ASSIGNMENT}/{target}")
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
