"""The library's docstrings cite equations the lecture notebooks number, and cite the right ones."""
import re

import nbformat

from autograder import lectures
from autograder.paths import SOLUTIONS

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


def library_text():
    return {path.relative_to(SOLUTIONS).as_posix(): path.read_text() for path in sorted(LIBRARY.rglob("*.py"))}


def test_the_chain_rule_is_cited_as_7_1_and_the_distributed_one_as_7_2():
    for name, text in library_text().items():
        for match in re.finditer(r"(distributed )?chain rule,? \(?eq\. ?\(?(\d+\.\d+)", text):
            expected = "7.2" if match.group(1) else "7.1"
            assert match.group(2) == expected, f"{name}: {match.group(0)!r} should cite eq. {expected}"
