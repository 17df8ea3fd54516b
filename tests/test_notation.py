"""N and Y mean one thing on the slides and another in `mytorch`: a notebook says so where it switches.

On the slides N is the number of layers and Y the network's output (d the target); in `mytorch`, as in
PyTorch, N is the batch size and a loss's Y the target (its output is A). NOTATION.md states the mapping
once, in the table of its section "Two clashes". A notebook that uses a letter in the other sense than
the one in force must say so in that cell, in a paragraph that starts with **Notation.**, names the
meaning ("$N$ is the batch size", "$N$ is the number of layers", "$Y$ is the target", "$Y$ is the
network's output") and points to NOTATION.md. "From here on" in it keeps that meaning in force for the
cells after it; otherwise it covers its own cell. Every notebook starts in the slides' sense.
"""
import ast
import re

import nbformat
import pytest

from autograder.course.paths import ROOT

# A use of each letter in each sense, as the notebooks write them in Markdown (LaTeX or code spans).
USES = {
    ("N", "batch"): [
        r"\(N,",                                  # a shape (N, in), (N, C), (N,)
        r"(?<!\\dots),\s*(?:\\,\s*)?N\)",         # a transposed shape (out, N), not 1, \dots, N)
        r"\\frac\s*\{?1\}?\s*\{?N",               # \frac1N, \frac{1}{N}, \frac{1}{NC}
        r"\b1\s*/\s*\(?N",                        # 1/N, 1/(NC)
        r"\bN\s*(?:\\cdot\s*)?C\b",               # N C entries
        r"\\mathbf\{1\}_N",
        r"batch (?:size )?(?:of )?\$?N\b",        # a batch of $N$, the batch size $N$
        r"\bN\$? (?:examples|rows|inputs|outputs)\b",
    ],
    ("N", "layers"): [
        r"\^\{?\(N\)",                            # y^{(N)}, the last layer's
        r"(?:\.\.|\\dots,?\s*)N\b",               # k = 1..N, 0, \dots, N
        r"\bk\s*=\s*N\b",
        r"\bN\$? layers\b",
        r"\^\{N\s*-\s*1\}",                       # D^{N-1} paths
    ],
    ("Y", "target"): [
        r"forward\(A,\s*Y\)",
        r"\btargets?\s+\$?Y\b",                   # the targets $Y$
        r"\$Y\$ (?:the|are the|is the) targets?",
        r"\bA\s*-\s*Y\b",                         # A - Y
        r"\$A\$ and \$Y\$",
        r"classes \$Y",
        r"y_\{ni\}",                              # an entry of the target array
        r"_\{y_n\}",                              # the class label of row n
    ],
    ("Y", "output"): [
        r"\bY\s*=\s*y\^",                         # Y = y^{(N)}
        r"Div\}?\s*\(Y",                          # Div(Y, d), Div(Y_t, d_t)
        r"\bY(?:_t)?\s*-\s*d\b",                  # Y - d
        r"\\nabla_Y",
        r"\\partial\s*Y\b",                       # dDiv/dY
        r"\bY\s*=\s*(?:A_L|\\sigma|f\()",
        r"outputs? (?:a softmax )?\$Y\$",
    ],
}
SENSES = {"N": {"batch size": "batch", "number of layers": "layers"},
          "Y": {"target": "target", "network's output": "output"}}
SLIDES = {"N": "layers", "Y": "output"}
MYTORCH = {"N": "batch", "Y": "target"}


def uses(text):
    """{letter: senses} that a cell's Markdown uses."""
    found = {}
    for (letter, sense), patterns in USES.items():
        if any(re.search(p, text) for p in patterns):
            found.setdefault(letter, set()).add(sense)
    return found


def switches(text):
    """[(letter, sense, lasting)] that a cell's **Notation.** paragraphs state."""
    stated = []
    for paragraph in re.split(r"\n\s*\n", text):
        if not re.search(r"(?:\*\*)?Notation[.:]", paragraph) or "NOTATION.md" not in paragraph:
            continue
        lasting = "from here on" in paragraph.lower()
        for letter, senses in SENSES.items():
            said = [(m.start(), senses[m.group(1)]) for m in re.finditer(
                rf"\$?\b{letter}\$? is the ({'|'.join(map(re.escape, senses))})", paragraph)]
            if said:                    # the first is the switch; a later one recalls the other sense
                stated.append((letter, min(said)[1], lasting))
    return stated


def unannounced(texts, start=SLIDES):
    """[(index, letter, sense)] for each use of a letter in a sense that no Notation paragraph announces."""
    in_force, problems = dict(start), []
    for i, text in enumerate(texts):
        stated = switches(text)
        allowed = {letter: {sense} for letter, sense in in_force.items()}
        for letter, sense, lasting in stated:
            allowed[letter].add(sense)
            if lasting:
                in_force[letter] = sense
        for letter, senses in uses(text).items():
            problems += [(i, letter, sense) for sense in sorted(senses - allowed[letter])]
    return problems


NOTEBOOKS = sorted(str(p.relative_to(ROOT)) for folder in ("solutions/lectures", "solutions/hw1")
                   for p in (ROOT / folder).glob("*.ipynb"))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_a_notebook_says_where_N_or_Y_changes_sense(name):
    cells = nbformat.read(ROOT / name, as_version=4).cells
    problems = unannounced([c.source if c.cell_type == "markdown" else "" for c in cells])
    assert not problems, f"{name}: " + "; ".join(
        f"cell {i} uses {letter} as the {sense} without a **Notation.** paragraph pointing to NOTATION.md: "
        f"{cells[i].source[:80]!r}" for i, letter, sense in problems)


def docstrings(path):
    tree = ast.parse(path.read_text())
    nodes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.ClassDef, ast.FunctionDef))]
    return "\n\n".join(filter(None, map(ast.get_docstring, nodes)))


def test_a_mytorch_module_says_where_it_writes_the_slides_N_or_Y():
    """mytorch's docstrings write its own sense; a module that also writes the slides' says so."""
    paths = sorted((ROOT / "solutions" / "mytorch").rglob("*.py"))
    problems = [(path.relative_to(ROOT).as_posix(), letter, sense) for path in paths
                for _, letter, sense in unannounced([docstrings(path)], start=MYTORCH)]
    assert not problems, "a Notation: paragraph pointing to NOTATION.md is missing: " + "; ".join(
        f"{name} uses {letter} as the {sense}" for name, letter, sense in problems)
