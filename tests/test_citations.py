"""The library's docstrings cite equations the lecture notebooks number, and cite the right ones."""
import ast
import re

import subprocess

import nbformat

from autograder.course import lectures, release
from autograder.course.paths import ROOT, SOLUTIONS

LIBRARY = SOLUTIONS / "mytorch"


def tagged():
    """{equation number X.Y: [notebook names]} for every \\tag{X.Y} in the lectures' Markdown."""
    numbers = {}
    for path in lectures.sources():
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                for tag in re.findall(r"\\tag\{(\d+\.\d+)\}", cell.source):
                    numbers.setdefault(tag, []).append(path.name)
    return numbers


def cited(text):
    """Every equation number a text cites as eq. X.Y, eqs. X.Y-X.Z, eqs. (X.Y), (X.Z) or eqs. X.Y and X.Z."""
    numbers = set()
    for group in re.finditer(r"\beqs?\.\s*((?:\(?\d+\.\d+\)?(?:\s*(?:-|,|and)\s*)?)+)", text):
        found = re.findall(r"(\d+)\.(\d+)", group.group(1))
        numbers |= {f"{a}.{b}" for a, b in found}
        for (a, b), (c, d) in zip(found, found[1:]):          # a range X.Y-X.Z cites the ones between
            if a == c and re.search(rf"{a}\.{b}\)?\s*-\s*\(?{c}\.{d}", group.group(1)):
                numbers |= {f"{a}.{n}" for n in range(int(b), int(d) + 1)}
    return numbers


def library_text():
    return {path.relative_to(SOLUTIONS).as_posix(): path.read_text() for path in sorted(LIBRARY.rglob("*.py"))}


def test_the_chain_rule_is_cited_as_7_1_and_the_distributed_one_as_7_2():
    for name, text in library_text().items():
        for match in re.finditer(r"(distributed )?chain rule,? \(?eq\. ?\(?(\d+\.\d+)", text):
            expected = "7.2" if match.group(1) else "7.1"
            assert match.group(2) == expected, f"{name}: {match.group(0)!r} should cite eq. {expected}"


def class_docstring(path, name):
    return next(ast.get_docstring(node) for node in ast.parse(path.read_text()).body
                if isinstance(node, ast.ClassDef) and node.name == name)


def test_sgd_states_its_update_in_the_order_it_runs_and_cites_the_momentum_derivation():
    doc = class_docstring(LIBRARY / "optim" / "sgd.py", "SGD")
    rule = doc.splitlines()[0]
    assert "v <-" in rule and "w <-" in rule and rule.index("v <-") < rule.index("w <-"), (
        f"step() updates the velocity, then the weight; the docstring says {rule!r}")
    cited = re.search(r"eq\. (\d+\.\d+)", rule)
    notebook = re.search(r"lectures/(\d\d_\w+\.ipynb)", doc)
    assert cited and notebook, f"the update should cite its numbered equation and notebook: {doc!r}"
    cells = [cell.source for cell in nbformat.read(lectures.SOURCES / notebook.group(1), as_version=4).cells
             if cell.cell_type == "markdown" and f"\\tag{{{cited.group(1)}}}" in cell.source]
    assert cells and "momentum" in cells[0].lower() and r"\mu" in cells[0], (
        f"{notebook.group(1)} should derive momentum as eq. {cited.group(1)}")


def test_every_equation_the_library_cites_is_numbered_in_a_lecture():
    numbers = tagged()
    assert cited("eqs. 8.6-8.8 and eq. (10.1), eqs. (10.2)-(10.4), eqs. 5.5, 5.7") == {
        "8.6", "8.7", "8.8", "10.1", "10.2", "10.3", "10.4", "5.5", "5.7"}
    for name, text in library_text().items():
        missing = sorted(cited(text) - set(numbers), key=lambda n: tuple(map(int, n.split("."))))
        assert not missing, f"{name} cites eq. {', '.join(missing)}, which no lecture notebook numbers"


def repository_files():
    """Every file of the repository (tracked, or new and not ignored), outside .git."""
    # safe.directory: CI's second pass runs as an account that does not own the clone
    listed = subprocess.run(["git", "-c", f"safe.directory={ROOT}", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / name for name in sorted(set(listed.split("\0"))) if name and (ROOT / name).is_file()]


def test_nothing_points_to_the_sheet_outside_the_package():
    """The package cites its own notebooks and NOTATION.md, never the authors' working notes."""
    sheet = "LECTURE" + ".md"                      # spelt apart, so that this file does not match
    files = repository_files()
    assert ROOT / "NOTATION.md" in files and len(files) > 50
    mentions = [path.relative_to(ROOT).as_posix() for path in files
                if sheet.encode() in path.read_bytes() or b"lecture " b"sheet" in path.read_bytes()]
    assert not mentions, f"cite NOTATION.md or a notebook's numbered equation instead, in: {mentions}"


def test_notation_index_names_the_notebook_of_every_numbered_equation():
    rows = re.findall(r"^\| (\(\d.*?) \| `lectures/(\S+)` \|$", (ROOT / "NOTATION.md").read_text(), re.M)
    index = {}
    for equations, notebook in rows:
        for number in cited("eqs. " + equations.replace(", and", ",").replace(" again", "")):
            index.setdefault(number, set()).add(notebook)
    assert {number: set(names) for number, names in tagged().items()} == index


def test_notation_page_is_linked_and_shipped(tmp_path):
    readme = (ROOT / "README.md").read_text()
    self_learners = readme.split("## For self-learners")[1].split("\n## ")[0]
    assert "(NOTATION.md)" in self_learners, "README's self-learner section should link NOTATION.md"
    bundle = release.build_bundle(tmp_path)
    assert (bundle / "NOTATION.md").read_text() == (ROOT / "NOTATION.md").read_text()
    assert "NOTATION.md" in (bundle / "README.md").read_text(), "the student README should mention it"


def test_the_bundle_points_only_to_what_it_holds(tmp_path):
    """A student has the bundle only: every path its texts name in backticks exists in it
    (from its root, or beside the file that names it), and every `python -m autograder`
    command its READMEs and notebooks tell them to run is one its own autograder offers."""
    from autograder.__main__ import COMMAND_MODULES
    bundle = release.build_bundle(tmp_path)
    offered = {name.rsplit(".", 1)[1] for name in COMMAND_MODULES
               if (bundle / "autograder" / (name.replace(".", "/") + ".py")).is_file()}
    assert offered == {"check", "handin"}, offered
    missing, unknown = [], []
    for path in sorted(bundle.rglob("*")):
        if path.suffix not in (".md", ".py", ".ipynb", ".txt"):
            continue
        text, name = path.read_text(), path.relative_to(bundle).as_posix()
        for named in re.findall(r"`([A-Za-z_][\w.-]*/[\w./-]*)`", text):
            if not any((folder / named).exists() for folder in (bundle, path.parent, path.parent.parent)):
                missing.append(f"{name} names `{named}`")
        if path.suffix != ".py":                  # docstrings may name the instructor's commands
            unknown += [f"{name} says `python -m autograder {command}`"
                        for command in re.findall(r"python -m autograder ([a-z]+)", text) if command not in offered]
    assert not missing, "the bundle does not hold:\n" + "\n".join(missing)
    assert not unknown, "the bundle's autograder has no such command:\n" + "\n".join(unknown)
