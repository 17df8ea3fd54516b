"""Write each part's points wherever the homework shows them, from the registry (parts.PARTS).

    python -m autograder points            # rewrite solutions/hw1/*.ipynb and README.md
    python -m autograder points --check    # exit 1 if any of them disagrees with the registry

The points live in `parts.PARTS` only. This writes them into each grade cell's nbgrader
metadata (what nbgrader's gradebook counts), the parts table of each notebook (a row per part,
with a total row where there is one), the headings that name a part ("(`linear_forward`, 3
points)", "`sigmoid_forward`: 1 point"), and the README's total. `release` then carries them
into the student notebooks. Add a part to the registry and run this: every place follows.
"""
import re

import nbformat

from ..parts import ASSIGNMENT, BY_ID, NOTEBOOKS, PARTS, TOTAL, in_points
from ..parts.cells import grade_id
from .generated import check_or_write
from .paths import ROOT, SOLUTIONS

ROW = re.compile(r"^\| `(?P<id>\w+)` \| (?P<what>.*) \| [\d.]+ \|$")
TOTAL_ROW = re.compile(r"^\| \| \*\*total\*\* \| \*\*[\d.]+\*\* \|$")
EACH = re.compile(r"`(?P<a>\w+)`, `(?P<b>\w+)`: \d+ points? each")
MENTION = re.compile(r"`(?P<id>\w+)`(?P<sep>, |: )\d+ points?\b(?! each)")
README_TOTAL = re.compile(r"\((?P<n>\w+) notebooks, \d+ points\)")


def _mentions(text):
    def each(m):
        a, b = BY_ID.get(m["a"]), BY_ID.get(m["b"])
        if not a or not b:
            return m[0]
        if a.points == b.points:
            return f"`{a.id}`, `{b.id}`: {in_points(a.points)} each"
        return f"`{a.id}`: {in_points(a.points)}, `{b.id}`: {in_points(b.points)}"
    text = EACH.sub(each, text)
    return MENTION.sub(lambda m: f"`{m['id']}`{m['sep']}{in_points(BY_ID[m['id']].points)}"
                       if m["id"] in BY_ID else m[0], text)


def _table(text, notebook):
    """The parts table's rows follow the registry: points rewritten, missing parts added."""
    lines, mine = text.split("\n"), [p for p in PARTS if p.notebook == notebook]
    rows = [k for k, line in enumerate(lines) if ROW.match(line) and ROW.match(line)["id"] in BY_ID]
    if not rows:
        return text
    shown = {ROW.match(lines[k])["id"] for k in rows}
    for k in rows:
        m = ROW.match(lines[k])
        lines[k] = f"| `{m['id']}` | {m['what']} | {BY_ID[m['id']].points:g} |"
    missing = [f"| `{p.id}` | {p.title} | {p.points:g} |" for p in mine if p.id not in shown]
    lines[rows[-1] + 1:rows[-1] + 1] = missing
    return "\n".join(f"| | **total** | **{sum(p.points for p in mine):g}** |" if TOTAL_ROW.match(line)
                     else line for line in lines)


def notebook(path):
    """The notebook at `path` with the registry's points in its metadata, table and headings."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid in BY_ID and cell.metadata["nbgrader"].get("grade"):
            cell.metadata["nbgrader"]["points"] = BY_ID[gid].points
        if cell.cell_type == "markdown":
            cell.source = _mentions(_table(cell.source, path.stem))
    return nbformat.writes(nb) + "\n"


def readme(text):
    return README_TOTAL.sub(lambda m: f"({m['n']} notebooks, {TOTAL:g} points)", text)


def _targets():
    """(path, text now, text the registry gives) for every place that shows points."""
    out = []
    for name in NOTEBOOKS:
        path = SOLUTIONS / ASSIGNMENT / name
        out.append((path, path.read_text(), notebook(path)))
    path = ROOT / "README.md"
    out.append((path, path.read_text(), readme(path.read_text())))
    return out


def main(args):
    targets = _targets()

    def write():
        for path, now, fresh in targets:
            if now != fresh:
                path.write_text(fresh)
    return check_or_write(args, "the points shown in solutions/hw1/ and README.md", "autograder/parts",
                          lambda: [p.name for p, now, fresh in targets if now != fresh], write,
                          "python -m autograder points, then python -m autograder release")


def add_parser(commands):
    p = commands.add_parser("points", help="write each part's points into the notebooks and README")
    p.add_argument("--check", action="store_true", help="only report where the points disagree")
    p.set_defaults(run=main)
