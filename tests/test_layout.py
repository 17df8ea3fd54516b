"""The autograder's folders are its audiences, and imports point one way: a folder imports only the
folders listed above it in autograder/__init__.py. Every import counts, at any depth: one inside
a function (the training judge once imported grading/learned.py so) runs as surely as one at the
top, and would take the instructor's grading into the student's bundle."""
import ast

from autograder.course.paths import ROOT

ORDER = ("parts", "student", "course", "grading", "samples", "demo")   # autograder/__init__.py's list


def _imports(path, repo):
    """(line, absolute module) of every import in the module at `path`, relative ones resolved."""
    package = list(path.relative_to(repo).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            if node.module:
                yield node.lineno, ".".join(base + [node.module])
            else:                                             # from . import x: x is the module
                yield from ((node.lineno, ".".join(base + [a.name])) for a in node.names)


def _layer(module):
    """The audience folder of `autograder.<folder>...`, or None (the top-level files, others)."""
    names = module.split(".")
    return names[1] if names[0] == "autograder" and len(names) > 1 and names[1] in ORDER else None


def upward_imports(repo=ROOT):
    """'file:line imports module' for every import of a folder below the importer's own."""
    found = []
    for path in sorted((repo / "autograder").rglob("*.py")):
        own = _layer(".".join(path.relative_to(repo).with_suffix("").parts))
        for line, module in _imports(path, repo):
            their = _layer(module)
            if own and their and ORDER.index(their) > ORDER.index(own):
                found.append(f"{path.relative_to(repo)}:{line} imports {module}")
    return found


def test_imports_point_down_the_list_only():
    assert upward_imports() == []


def test_an_import_inside_a_function_is_seen(tmp_path):
    """The check itself can fail: a parts module importing grading inside a function is named."""
    (tmp_path / "autograder" / "parts").mkdir(parents=True)
    (tmp_path / "autograder" / "parts" / "probe.py").write_text(
        "import numpy\nfrom . import run\n\n\ndef f():\n    from ..grading import learned\n")
    assert upward_imports(tmp_path) == ["autograder/parts/probe.py:6 imports autograder.grading"]


def test_the_list_is_the_one_in_the_package_docstring():
    import autograder
    listed = [line.split()[0].rstrip("/").removesuffix(".py") for line in autograder.__doc__.splitlines()
              if line.startswith("    ") and line.split()[0].rstrip("/").removesuffix(".py") in ORDER]
    assert tuple(listed) == ORDER
