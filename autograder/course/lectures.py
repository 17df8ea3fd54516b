"""The lecture notebooks: student copies in lectures/ and a static HTML site.

Each lecture is written once, with its exercise solutions and its answers, as
solutions/lectures/NN_name.ipynb, in this form (form_problems() checks it, and the
generator refuses a lecture that breaks it):
- the first cell is Markdown: `# title`, then a one-sentence summary (the site's index
  shows both), then what the notebook covers and which slides;
- an exercise is a code cell with nbgrader metadata `solution: true` (and a `grade_id`)
  whose answer sits between `### BEGIN SOLUTION` and `### END SOLUTION`. The Markdown cell
  before it ends with the heading `### Try NN.K (what it is about)`, NN the notebook's
  number and K counting its exercises, and states the exercise's `**Goal.**`; the code cell
  after it is tagged `self-check` and checks exactly what the exercise asks, inside
  `with self_check("Try NN.K"):` (lecturekit), printing `✓ Try NN.K: ...` once it passes;
  no other cell may use an exercise's result, so an unanswered exercise stops nothing;
- a `## Summary` cell cites every equation the notebook numbers (`\tag{X.Y}` -> `(X.Y)`);
- the last section is `## Questions to think about`: a cell `**Question K.** ...` per
  question, each followed by its answer, a Markdown cell tagged `answer`, and then, where the
  answer states numbers, the code cells (also tagged `answer`) that check them;
- no outputs are stored; the metadata are KERNELSPEC and LANGUAGE_INFO, as JupyterLab
  writes them, so that a notebook does not open as modified (the copies get them anyway).

    python -m autograder lectures            # write lectures/ (and copy lecturekit.py)
    python -m autograder lectures --check    # exit 1 if the committed lectures/ are stale
    python -m autograder site [--out _site]  # execute every lecture, write a static HTML site

Exercises and answers are hidden the same way: the student copy has neither, and the site
folds both, each under its exercise or question, so that a reader tries first. The student
copies come from nbgrader's own ClearSolutions and ClearOutput preprocessors, the ones
`nbgrader generate_assignment` runs: each solution region becomes `# YOUR CODE HERE` +
`raise NotImplementedError()` and every output is dropped; answer cells are left out.
A region at the top level of a cell keeps only the comment: raising there would stop
Run All at the first exercise. Its answer is then undefined, and the self-check reports
"not answered yet" for that as for a stub's NotImplementedError, and reading goes on.

The site shows the solution notebooks, executed, so every figure and every check is
there; each exercise's solution is folded inside a <details> element ("Solution"), and
each answer, with its checks' code and printed output, inside another ("Answer"). Widgets
need a kernel, so the site drops them and keeps the static
figure `lecturekit.play` draws. Each page is titled with its lecture and links to the
index and to the previous and next lecture. Math is typeset in the browser by MathJax
2, copied into the site (mathjax/, from the jupyter-server-mathjax package) so that the
pages work offline, from file://; `--mathjax-cdn` loads nbconvert's CDN copy instead,
`--mathjax-url` any other.

The pages aim at WCAG 2.1 AA (tests/test_accessibility.py checks them with axe-core in
Chromium): code is highlighted with an accessible Pygments style, the prompts are dark
enough to read, every figure's <img> carries the description lecturekit.show stored as the
output's `alt` metadata (nbconvert's lab template reads none), and MathJax keeps its
assistive MathML but does not make every formula a Tab stop. nbconvert makes every cell
and output a Tab stop, so that a wide one can be scrolled with the keyboard; the pages
keep that only for the boxes that do scroll (SCROLL_STOPS).
"""
import filecmp
import html
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from ..parts.cells import is_solution
from .generated import check_or_write
from .paths import ROOT, SOLUTIONS
from .stubs import BEGIN, END

SOURCES = SOLUTIONS / "lectures"          # the lectures with their solutions (instructor)
LECTURES = ROOT / "lectures"              # the student copies, generated from SOURCES
KIT = "lecturekit.py"                     # the helper module every lecture imports
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TOP_LEVEL_STUB = "raise NotImplementedError()"
# What JupyterLab writes into a notebook's metadata once its kernel has started: the kernel's
# spec and the language_info of its kernel_info reply. A notebook holding anything else opens
# as modified before the reader did anything. The version is the course's Python (CI's); on
# another Python the version alone still differs, which no file can avoid.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                 "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                 "pygments_lexer": "ipython3", "version": "3.11.7"}


def sources(folder=SOURCES):
    """The lecture notebooks in `folder`, in reading order (their names start NN_)."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def is_self_check(cell):
    return "self-check" in cell.metadata.get("tags", [])


def is_answer(cell):
    """An answer to a question to think about, or a code cell checking that answer's numbers."""
    return "answer" in cell.metadata.get("tags", [])


def is_exercise(cell):
    return cell.cell_type == "code" and is_solution(cell)


QUESTIONS = "## Questions to think about"
SUMMARY = "## Summary"
TAG = re.compile(r"\\tag\{(\d+\.\d+)\}")


def form_problems(nb, number):
    """What in lecture `number` (its NN) breaks the form the module's docstring states; [] if nothing."""
    cells, problems = nb.cells, []
    markdown = lambda i: cells[i].source if 0 <= i < len(cells) and cells[i].cell_type == "markdown" else ""
    exercises = [i for i, cell in enumerate(cells) if is_exercise(cell)]
    for k, i in enumerate(exercises, 1):
        name = f"Try {number}.{k}"
        headings = re.findall(r"^#+ .*$", markdown(i - 1), re.M)
        if not headings or not headings[-1].startswith(f"### {name} ("):
            problems.append(f"exercise {k} (cell {i}): the Markdown cell before it should end with '### {name} (...)'")
        elif "**Goal.**" not in markdown(i - 1).split(headings[-1])[-1]:
            problems.append(f"{name} (cell {i - 1}): no **Goal.** under its heading")
        check = cells[i + 1] if i + 1 < len(cells) else None
        if check is None or not is_self_check(check):
            problems.append(f"{name} (cell {i}): not followed by a cell tagged self-check")
        elif f'self_check("{name}")' not in check.source or f"✓ {name}:" not in check.source:
            problems.append(f"{name} (cell {i + 1}): its self-check should run inside self_check({name!r}) "
                            f"and print '✓ {name}: ...'")
    summary = [cell.source for cell in cells if cell.cell_type == "markdown" and SUMMARY in cell.source]
    numbered = {tag for cell in cells if cell.cell_type == "markdown" for tag in TAG.findall(cell.source)}
    if len(summary) != 1:
        problems.append(f"{len(summary)} cells hold {SUMMARY!r}, expected 1")
    else:
        missing = sorted(tag for tag in numbered if f"({tag})" not in summary[0].split(SUMMARY)[1])
        if missing:
            problems.append(f"the summary does not cite ({'), ('.join(missing)}), which the notebook numbers")
    starts = [i for i, cell in enumerate(cells) if cell.cell_type == "markdown" and QUESTIONS in cell.source]
    start = starts[0] if len(starts) == 1 else len(cells)
    if len(starts) != 1:
        problems.append(f"{len(starts)} cells hold {QUESTIONS!r}, expected 1")
    if any(is_answer(cell) for cell in cells[:start]):
        problems.append(f"an answer cell before {QUESTIONS!r}")
    questions = [i for i in range(start + 1, len(cells)) if not is_answer(cells[i])]
    if len(starts) == 1 and not questions:
        problems.append("no questions to think about")
    for k, i in enumerate(questions, 1):
        if not markdown(i).startswith(f"**Question {k}.** "):
            problems.append(f"cell {i}: expected question {k}, a Markdown cell starting '**Question {k}.** '")
        elif not (i + 1 < len(cells) and is_answer(cells[i + 1]) and cells[i + 1].cell_type == "markdown"):
            problems.append(f"question {k} (cell {i}) is not followed by its answer, a Markdown cell tagged answer")
    return problems


def number(path):
    """A lecture's NN, from its file name."""
    return int(Path(path).name[:2])


def student_version(nb):
    """The student copy of one lecture: solution regions stubbed, answers left out, outputs dropped."""
    from nbgrader.preprocessors import ClearOutput, ClearSolutions
    nb = nbformat.from_dict(nb)                       # a copy: the caller's stays whole
    nb.cells = [cell for cell in nb.cells if not is_answer(cell)]
    for preprocessor in (ClearSolutions(), ClearOutput()):
        nb, _ = preprocessor.preprocess(nb, {})
    for cell in nb.cells:
        if is_solution(cell):       # only a stub at the top level is unindented
            cell.source = "\n".join(line for line in cell.source.split("\n") if line != TOP_LEVEL_STUB)
    nb.metadata.update(kernelspec=dict(KERNELSPEC), language_info=dict(LANGUAGE_INFO))
    return nb


def generate(src=SOURCES, dst=LECTURES):
    """Write the student copy of every lecture in `src`, and lecturekit.py, into `dst`."""
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    for path in sources(src):
        nb = nbformat.read(path, as_version=4)
        problems = form_problems(nb, number(path))
        if problems:
            raise ValueError(f"{path.name} breaks the lectures' form (autograder/course/lectures.py):\n  "
                             + "\n  ".join(problems))
        nbformat.write(student_version(nb), dst / path.name)
    shutil.copy2(src / KIT, dst / KIT)


def differences(src=SOURCES, dst=LECTURES):
    """Files that differ between `dst` and a fresh generation from `src` (empty if none)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "lectures"
        generate(src, fresh)
        cmp = filecmp.dircmp(fresh, dst, ignore=["__pycache__", ".ipynb_checkpoints"])
        _, mismatch, errors = filecmp.cmpfiles(fresh, dst, cmp.common_files, shallow=False)
        return sorted(cmp.left_only + cmp.right_only + mismatch + errors)


def execute(path, allow_errors=False, timeout=60, tries=2):
    """Run the notebook at `path` top to bottom in its own folder; return the executed copy.

    With LECTUREKIT_HEADLESS set, `lecturekit.play` leaves its static figure and makes no
    live widget, whose output area can deadlock nbclient (jupyter/nbclient#312). Should a
    cell still outlive `timeout` seconds, the notebook runs again once in a fresh kernel.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError
    for attempt in range(1, tries + 1):
        nb = nbformat.read(path, as_version=4)
        try:
            NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                           resources={"metadata": {"path": str(path.parent)}}
                           ).execute(env={**os.environ, "LECTUREKIT_HEADLESS": "1"})
            return nb
        except CellTimeoutError:
            if attempt == tries:
                raise
            print(f"{path.name}: a cell timed out after {timeout} s; running the notebook again "
                  f"in a fresh kernel", file=sys.stderr)


def execute_all(paths, allow_errors=False, workers=2):
    """execute() every notebook in `paths`, two kernels at a time; returns the list in order."""
    import matplotlib.font_manager  # noqa: F401  builds matplotlib's font cache on a fresh machine
    # here, once, instead of inside a notebook cell, where its message would land on stderr
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda p: execute(p, allow_errors), paths))


def describe(nb):
    """(title, one-line summary) from the first cell: `# title`, then a sentence."""
    lines = [line.strip() for line in nb.cells[0].source.splitlines() if line.strip()]
    if not lines or not lines[0].startswith("# ") or len(lines) < 2:
        raise ValueError("a lecture's first cell must be `# title` followed by a summary line")
    return lines[0][2:], lines[1]


def for_reader(nb):
    """The executed notebook as the site shows it: solutions and answers folded, widgets dropped, titled."""
    nb = nbformat.from_dict(nb)
    nb.metadata["title"] = describe(nb)[0]          # the page's <title>; nbconvert's default is the file name
    cells, answer = [], []
    for cell in nb.cells + [None]:
        if cell is not None and is_answer(cell):
            answer.append(cell)                      # an answer and its checks fold together
            continue
        if answer:
            cells.append(nbformat.v4.new_markdown_cell(fold("Answer (think first)", answer_text(answer))))
            answer = []
        if cell is None:
            break
        if cell.cell_type == "code":
            cell.outputs = [out for out in cell.outputs if WIDGET_VIEW not in out.get("data", {})]
        if is_exercise(cell):
            code = "\n".join(line for line in cell.source.splitlines() if line.strip() not in (BEGIN, END))
            cell = nbformat.v4.new_markdown_cell(fold("Solution (try it first)", f"```python\n{code}\n```"))
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    return nb


def fold(summary, markdown):
    """Markdown that shows `summary` and unfolds into `markdown` (the blank lines let it be parsed as Markdown)."""
    return f"<details><summary>{summary}</summary>\n\n{markdown}\n\n</details>"


def answer_text(cells):
    """An answer's Markdown, then each of its checks' code and what it printed, as Markdown."""
    parts = []
    for cell in cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
            continue
        parts.append(f"```python\n{cell.source}\n```")
        printed = "".join(out.get("text", "") for out in cell.get("outputs", []) if out.output_type == "stream")
        if printed.strip():
            parts.append(f"```text\n{printed.rstrip()}\n```")
    return "\n\n".join(parts)


def render_site(executed, out, mathjax_url=None):
    """Write out/index.html and one page per lecture. `executed`: {file name: executed nb}.

    Without `mathjax_url` the pages load the copy of MathJax written to out/mathjax/."""
    out.mkdir(parents=True, exist_ok=True)
    fonts = ""
    if mathjax_url is None:
        mathjax_url, fonts = copy_mathjax(out), MATHJAX_FONTS
    exporter = reader_exporter(mathjax_url)
    names = list(executed)
    pages = [Path(name).with_suffix(".html").name for name in names]
    titles = [describe(executed[name])[0] for name in names]
    def write(page, nb, nav):
        body, _ = exporter.from_notebook_node(nb)
        body = body.replace("<main>", "<main>\n" + nav, 1).replace("</main>", nav + "\n</main>", 1)
        # nbconvert loads require.js from a CDN for widgets and JavaScript outputs; the pages have neither
        body = body.replace(f'<script src="{exporter.require_js_url}"></script>', "", 1)
        body = body.replace(f'<script src="{mathjax_url}">', fonts + MATHJAX_A11Y + f'<script src="{mathjax_url}">', 1)
        body = body.replace("</head>", READABLE_PROMPTS + "</head>", 1)
        body = NBCONVERT_TAB_STOP.sub(r"\1", body).replace("</body>", SCROLL_STOPS + "</body>", 1)
        body = body.replace("<code>NOTATION.md</code>", f'<a href="{NOTATION_PAGE}"><code>NOTATION.md</code></a>')
        (out / page).write_text(body.replace(*MATHJAX_LINEBREAKS), encoding="utf-8")

    items = []
    for i, name in enumerate(names):
        write(pages[i], for_reader(executed[name]), navigation(pages, titles, i))
        summary = describe(executed[name])[1]
        items.append(f'<li><a href="{pages[i]}">{html.escape(titles[i])}</a>: {html.escape(summary)}</li>')
    # the notation page the lectures and mytorch's docstrings cite, as a page of the site
    notation = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell((ROOT / "NOTATION.md").read_text())],
                                        metadata={"title": "Notation: the slides, the lecture notebooks and mytorch"})
    write(NOTATION_PAGE, notation, f'<nav class="lecture-nav" style="{NAV_STYLE}"><span><a href="index.html">Index</a></span></nav>')
    (out / "index.html").write_text(INDEX.format(items="\n".join(items), mathjax=html.escape(mathjax_url),
                                                 fonts=fonts + MATHJAX_A11Y, notation=NOTATION_PAGE), encoding="utf-8")


# accessible-pygments' light style, checked by its authors for WCAG AA contrast
PYGMENTS_STYLE = "a11y-light"
# nbconvert's lab template writes no alt attribute (its classic one does, from the same
# metadata); the exporter then gives every <img> a placeholder. This adds the output's own.
ALT_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{% block data_png scoped %}
{%- set alt = output | get_metadata('alt', 'image/png') -%}
{%- if alt -%}
{{ super() | replace('<img ', '<img alt="' ~ (alt | escape_html) ~ '" ', 1) }}
{%- else -%}
{{ super() }}
{%- endif -%}
{% endblock data_png %}
"""


def reader_exporter(mathjax_url):
    """nbconvert's HTMLExporter (lab template) with the alt texts and the accessible code colours."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    config = Config()
    config.CSSHTMLHeaderPreprocessor.style = PYGMENTS_STYLE
    return HTMLExporter(config=config, mathjax_url=mathjax_url, template_file="lecture.html.j2",
                        extra_loaders=[DictLoader({"lecture.html.j2": ALT_TEMPLATE})])


def navigation(pages, titles, i):
    """The links at the top and the bottom of lecture i: previous, index, next."""
    links = [f'<a href="{pages[i - 1]}" rel="prev">← {html.escape(titles[i - 1])}</a>' if i > 0 else "",
             '<a href="index.html">Index</a>',
             f'<a href="{pages[i + 1]}" rel="next">{html.escape(titles[i + 1])} →</a>' if i + 1 < len(pages) else ""]
    return f'<nav class="lecture-nav" style="{NAV_STYLE}">' + "".join(f"<span>{link}</span>" for link in links) + "</nav>"


NOTATION_PAGE = "notation.html"
NAV_STYLE = "display: flex; justify-content: space-between; gap: 1em; margin: 1em 0; font-family: sans-serif"
MATHJAX = "mathjax"                               # the site's folder for MathJax
# jupyter-server-mathjax ships MathJax 2 with the HTML-CSS output only (nbconvert's
# default configuration, TeX-AMS_CHTML-full, would look for the CommonHTML one)
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
# and only the STIX-Web fonts, where MathJax would look for its TeX fonts (as Jupyter's own setup says)
MATHJAX_FONTS = ('<script type="text/x-mathjax-config">MathJax.Hub.Config({"HTML-CSS": '
                 '{availableFonts: [], webFont: "STIX-Web", imageFont: null}});</script>\n')


def copy_mathjax(out):
    """Copy MathJax into out/mathjax/; returns the pages' (relative) address of MathJax.js."""
    from jupyter_server_mathjax import __file__ as package
    shutil.copytree(Path(package).parent / "static", out / MATHJAX, dirs_exist_ok=True)
    return f"{MATHJAX}/MathJax.js?config={MATHJAX_CONFIG}"


# MathJax 2 makes each formula a Tab stop (for its menu): a page of 200 formulas would take
# 200 presses to cross. Its assistive MathML (read by screen readers) stays.
MATHJAX_A11Y = ('<script type="text/x-mathjax-config">MathJax.Hub.Config({menuSettings: {inTabOrder: false}});'
                '</script>\n')
# JupyterLab's light theme greys the In [n]: prompts of cells not being edited (all, on a page) to
# 2.2:1 on white, and its blue and orange prompts reach 4.3:1; this grey is 7:1 (AA: 4.5:1)
READABLE_PROMPTS = ('<style type="text/css">:root { --jp-cell-prompt-not-active-font-color: #595959; '
                    '--jp-cell-prompt-not-active-opacity: 1; --jp-cell-prompt-opacity: 1; '
                    '--jp-cell-inprompt-font-color: #595959; --jp-cell-outprompt-font-color: #595959 }</style>\n')

# nbconvert's HTMLExporter gives every cell's input and every output tabindex="0" (for WCAG
# 2.1.1: a box that scrolls must be reachable by keyboard), which makes a page of 60 cells
# 120 Tab stops. The pages drop these, and SCROLL_STOPS gives tabindex="0" to the boxes
# that scroll at the window's width, once loaded, once MathJax has typeset, on resizing.
NBCONVERT_TAB_STOP = re.compile(r'(<div class="(?:[^"]* )?(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?: [^"]*)?"[^>]*?) tabindex="0"')
SCROLL_STOPS = """<script>
function scrollStops() {
  for (const box of document.querySelectorAll(".jp-Notebook div, .jp-Notebook pre")) {
    const overflow = getComputedStyle(box).overflowX;
    const scrolls = (overflow === "auto" || overflow === "scroll") && box.scrollWidth > box.clientWidth + 1;
    if (scrolls && !box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "0"); box.dataset.scrollStop = ""; }
    else if (!scrolls && "scrollStop" in box.dataset) { box.removeAttribute("tabindex"); delete box.dataset.scrollStop; }
  }
}
window.addEventListener("load", () => { scrollStops(); if (window.MathJax && MathJax.Hub) MathJax.Hub.Queue(scrollStops); });
window.addEventListener("resize", scrollStops);
</script>
"""

# nbconvert's MathJax setup breaks lines automatically, which wraps the math in table cells
# into one-symbol lines; displays here are short enough not to need it.
MATHJAX_LINEBREAKS = ("automatic: true", "automatic: false")

INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Learning the network: Backprop · lecture notebooks</title>
<style>body {{ font-family: sans-serif; max-width: 48em; margin: 2em auto; line-height: 1.5 }}
li {{ margin: .5em 0 }}</style>
<script type="text/x-mathjax-config">
MathJax.Hub.Config({{tex2jax: {{inlineMath: [["$", "$"]], processEscapes: true}}}});
</script>
{fonts}<script src="{mathjax}"></script></head>
<body><h1>Learning the network: Backprop</h1>
<p>The lecture notebooks, executed. Read them in order; each derives, checks and plots
one part of the lecture. Run them in Jupyter (from <code>lectures/</code>) to move the
sliders and do the exercises.</p>
<ol>
{items}
</ol>
<p>The symbols of the slides beside <code>mytorch</code>'s names and shapes, and which lecture
derives each numbered equation: <a href="{notation}">Notation</a>.</p></body></html>
"""


def main_lectures(args):
    return check_or_write(args, f"{LECTURES.relative_to(ROOT)}/", f"{SOURCES.relative_to(ROOT)}/",
                          differences, generate, "python -m autograder lectures")


def main_site(args):
    paths = sources()
    start = time.perf_counter()
    executed = execute_all(paths)
    print(f"executed {len(paths)} lectures in {time.perf_counter() - start:.1f} s")
    out = Path(args.out).resolve()
    if args.mathjax_cdn:
        from nbconvert import HTMLExporter
        args.mathjax_url = HTMLExporter().mathjax_url       # nbconvert's default, on a CDN
    render_site({p.name: nb for p, nb in zip(paths, executed)}, out, args.mathjax_url)
    print(f"wrote {out / 'index.html'} and {len(paths)} pages; open it in a browser (it works offline)")
    return 0


def add_parser(commands):
    p = commands.add_parser("lectures", help="generate the student lectures/ from solutions/lectures/")
    p.add_argument("--check", action="store_true", help="only report whether lectures/ is stale")
    p.set_defaults(run=main_lectures)
    p = commands.add_parser("site", help="execute the lectures and render them as a static HTML site")
    p.add_argument("--out", default="_site", help="output folder (default: _site)")
    mathjax = p.add_mutually_exclusive_group()
    mathjax.add_argument("--mathjax-cdn", action="store_true",
                         help="load MathJax from nbconvert's CDN address instead of a copy in the site (needs internet)")
    mathjax.add_argument("--mathjax-url", default=None, help="load MathJax from this address instead")
    p.set_defaults(run=main_site)
