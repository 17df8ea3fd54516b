"""(Students) Run the visible tests of every mytorch part against your own mytorch, in seconds.

    python -m autograder check [--root FOLDER]

Prints a table: part, points, pass or fail; then, for each failure, what differed
(shapes, the largest absolute and relative error and where) and a hint when the
difference looks like a common mistake. The notebooks' own parts (optimisation,
training) are checked by running their test cells.
"""
import contextlib
import io
import tempfile
import time
import zipfile
from pathlib import Path, PurePosixPath

from ..parts import BY_ID, NB_MYTORCH, PARTS, visible
from .importer import import_mytorch


def results(mytorch):
    """PartResult of every mytorch part, in the order of the homework."""
    return [visible.result(p.id, mytorch) for p in PARTS if p.notebook == NB_MYTORCH]


def table(rs):
    lines = [f"{'part':<22}{'points':>7}  result", "-" * 40]
    for r in rs:
        lines.append(f"{r.part:<22}{BY_ID[r.part].points:>7}  {'pass' if r.passed else 'FAIL'}")
    got = sum(BY_ID[r.part].points for r in rs if r.passed)
    lines.append(f"{'passed (visible tests)':<22}{got:>7}  of {sum(BY_ID[r.part].points for r in rs)}")
    others = [p for p in PARTS if p.id not in {r.part for r in rs}]
    if others:
        notebooks = ", ".join(sorted({p.notebook for p in others}))
        lines.append(f"(the other {sum(p.points for p in others)} points, in {notebooks}, are checked by "
                     f"running those notebooks' test cells)")
    details = [r.report(show_values=True) for r in rs if not r.passed or r.warnings]
    return "\n".join(lines + (["", "What differed:"] + details if details else []))


class Printed(io.TextIOBase):
    """What student code prints while it is checked: counted, only the first characters kept."""
    KEEP = 200

    def __init__(self):
        self.chars, self.lines, self.head = 0, 0, ""

    def write(self, text):
        self.chars += len(text)
        self.lines += text.count("\n")
        self.head += text[:self.KEEP - len(self.head)]
        return len(text)

    def advice(self):
        """A sentence for the student ('' if nothing was printed): a print in a layer runs at
        every batch of training, and that, not the mathematics, is then what makes it slow."""
        if not self.chars:
            return ""
        first = (self.head.strip().splitlines() or [""])[0][:80]
        return (f"Your mytorch printed {self.lines:,} lines ({self.chars:,} characters) while it was "
                f"checked, the first being {first!r}. A print in a layer runs at every batch: it makes "
                f"3_training's train() slower, by several times for a print of an array, and fills the "
                f"notebook, where grading keeps only a cell's first lines. Remove it before you train.")


def unpacked_mytorch(handin, into):
    """The `mytorch/` of a handin.zip, written under `into`: exactly what grading will import."""
    with zipfile.ZipFile(handin) as z:
        for name in z.namelist():
            path = PurePosixPath(name)
            if path.parts[:1] == ("mytorch",) and path.suffix == ".py" and ".." not in path.parts:
                (into / path).parent.mkdir(parents=True, exist_ok=True)
                (into / path).write_bytes(z.read(name))
    return into


def main(args):
    if getattr(args, "handin", None):
        if not zipfile.is_zipfile(args.handin):
            print(f"{args.handin} is not a zip file: pass the handin.zip that `python -m autograder handin` wrote")
            return 2
        with tempfile.TemporaryDirectory(prefix="check-handin-") as tmp:
            args.root, args.handin = unpacked_mytorch(args.handin, Path(tmp)), None
            print("checking the mytorch/ packed in the handin (what grading gets), not your folder's")
            return main(args)
    root = Path(args.root or Path.cwd())
    if not (root / "mytorch" / "__init__.py").is_file():
        print(f"no mytorch/ package in {root}: run this in your homework folder, or pass --root")
        return 2
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):     # its warning is said below, once per file
        mytorch = import_mytorch(root / "mytorch")
    for error in getattr(mytorch, "import_errors", [])[1:]:
        print(f"cannot import: {error}\n  (the parts that need it fail below; the others are checked)")
    printed = Printed()
    with contextlib.redirect_stdout(printed):
        rs = results(mytorch)
    print(table(rs))
    if printed.advice():
        print("\n" + printed.advice())
    print(f"\n({time.perf_counter() - start:.1f} s; the hidden tests use other inputs and more cases)")
    return 0 if all(r.passed for r in rs) else 1


def add_parser(commands):
    p = commands.add_parser("check", help="(students) run the visible tests against your mytorch")
    p.add_argument("--root", help="the homework folder holding mytorch/ (default: current folder)")
    p.add_argument("--handin", metavar="ZIP", help="check the mytorch/ packed in this handin.zip instead: "
                                                   "exactly what grading gets")
    p.set_defaults(run=main)
