"""Generate the student package `mytorch/` from the reference in `solutions/mytorch/`.

Every region between `### BEGIN SOLUTION` and `### END SOLUTION` (nbgrader's markers)
becomes `# YOUR CODE HERE` and a `raise NotImplementedError` that names the method;
the method's docstring, which states the equation and the shapes, is what the student
reads. Everything outside the regions is copied unchanged.

    python -m autograder stubs            # write mytorch/
    python -m autograder stubs --check    # exit 1 if the committed mytorch/ is stale
"""
import ast
import filecmp
import shutil
import tempfile
from pathlib import Path

from .generated import check_or_write
from .paths import REFERENCE, ROOT, STUBS

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


class StubError(ValueError):
    """A solution file whose regions cannot be turned into stubs."""


def _enclosing_functions(tree, module):
    """Map each line number to the innermost function (qualified name, docstring) around it.

    Methods are named Class.method; module-level functions module.function."""
    where = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            name = prefix
            if isinstance(child, (ast.FunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if isinstance(child, ast.FunctionDef):
                    for line in range(child.lineno, child.end_lineno + 1):
                        where[line] = (name, ast.get_docstring(child))
                name += "."
            visit(child, name)

    visit(tree, "")
    for line, (name, doc) in where.items():
        if "." not in name:
            where[line] = (f"{module}.{name}", doc)
    return where


def stub_source(source, filename="<source>"):
    """The student version of one solution file's text."""
    where = _enclosing_functions(ast.parse(source, filename), Path(filename).stem)
    out, region = [], None
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        if BEGIN in line:
            if region is not None:
                raise StubError(f"{filename}:{number}: nested {BEGIN}")
            if number not in where:
                raise StubError(f"{filename}:{number}: solution region outside a function")
            name, doc = where[number]
            if not doc:
                raise StubError(f"{filename}:{number}: {name} has a solution region but no "
                                f"docstring; state the equation and the shapes there")
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# YOUR CODE HERE\n")
            out.append(f'{indent}raise NotImplementedError("{name} is not implemented yet: '
                       f'see its docstring")\n')
            region = number
        elif END in line:
            if region is None:
                raise StubError(f"{filename}:{number}: {END} without {BEGIN}")
            region = None
        elif region is None:
            out.append(line)
    if region is not None:
        raise StubError(f"{filename}:{region}: {BEGIN} without {END}")
    text = "".join(out)
    ast.parse(text, filename)          # the stub must still be valid Python
    return text


def generate(src=REFERENCE, dst=STUBS):
    """Write the stub package for `src` into `dst`, replacing what was there."""
    if dst.exists():
        shutil.rmtree(dst)
    for path in sorted(src.rglob("*")):
        if "__pycache__" in path.parts or path.suffix == ".pyc" or path.is_dir():
            continue
        target = dst / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".py":
            target.write_text(stub_source(path.read_text(), str(path.relative_to(ROOT))))
        else:
            shutil.copy2(path, target)


def differences(src=REFERENCE, dst=STUBS):
    """Files that differ between `dst` and a fresh generation from `src` (empty if none)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "mytorch"
        generate(src, fresh)
        return _compare(filecmp.dircmp(fresh, dst, ignore=["__pycache__"]), Path())


def _compare(cmp, rel):
    found = [str(rel / f) for f in cmp.left_only + cmp.right_only + cmp.diff_files + cmp.funny_files]
    for name, sub in cmp.subdirs.items():
        found += _compare(sub, rel / name)
    return found


def main(args):
    return check_or_write(args, f"{STUBS.relative_to(ROOT)}/", f"{REFERENCE.relative_to(ROOT)}/",
                          differences, generate, "python -m autograder stubs")


def add_parser(commands):
    p = commands.add_parser("stubs", help="generate the student mytorch/ from solutions/mytorch/")
    p.add_argument("--check", action="store_true", help="only report whether mytorch/ is stale")
    p.set_defaults(run=main)
