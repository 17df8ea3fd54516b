"""nbgrader's configuration for grading, and the preprocessor and exporter it needs that nbgrader lacks.

By default nbgrader would (1) show hidden test code in the feedback HTML, and tracebacks
would show it again (the lines around the failing call), and (2) score a test cell zero
for any stderr output. Test cells call checks that capture warnings and stderr; the
feedback clears hidden tests and reduces every traceback to its final line.
"""
import re

from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import Preprocessor

from ..parts import ASSIGNMENT, COURSE


class HideTracebacks(Preprocessor):
    """Keep only the last line of each error (its type and message) in the feedback."""

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


class FeedbackHTML(HTMLExporter):
    """nbconvert's HTMLExporter without its last pass, which parses the whole page again with
    BeautifulSoup to give images a placeholder alt text and lab-template cells a tabindex:
    half the CPU of a feedback page (bench/README.md). Feedback pages use nbgrader's classic
    template, which has no such cells; an image without alt text gets the same placeholder here."""

    IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)")

    def from_notebook_node(self, nb, resources=None, **kw):
        # HTMLExporter.from_notebook_node (nbconvert 7.16.5 to 7.17) up to its BeautifulSoup pass
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name", None))
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return self.IMG_WITHOUT_ALT.sub('<img alt="No description has been provided for this image"', html), resources


def config_text(root, protected, timeout=30, db_url=None, kernel=None):
    """The nbgrader_config.py of a grading course directory at `root`.

    protected: the student's files (mytorch/...) that autograde must never replace."""
    db = f"\nc.CourseDirectory.db_url = {db_url!r}" if db_url else ""
    return f'''# Written by python -m autograder grade; edit the autograder, not this file.
from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute, GetGrades, ClearHiddenTests
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from autograder.grading.execute import KERNEL_READY_S, GradingExecute
from autograder.grading.nbgrader_config import FeedbackHTML, HideTracebacks

c = get_config()
# Kernels talk over Unix sockets in this nbgrader process's own runtime folder, never TCP:
# TCP ports picked here and bound later by the kernel race between concurrent kernels
# ("Address already in use"), and the sandboxed kernel has no network to bind them in.
import os
from jupyter_core.paths import jupyter_runtime_dir
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(jupyter_runtime_dir(), "kernel")
c.CourseDirectory.root = {str(root)!r}
c.CourseDirectory.course_id = {COURSE!r}{db}
c.Execute.timeout = {int(timeout)}          # per cell: an infinite loop costs its own part only
c.Execute.interrupt_on_timeout = True
c.Execute.kernel_name = {kernel!r}          # the sandboxed kernel (autograder/grading/sandbox.py)
# A kernel that fails is retried once, then recorded in its notebook; output is capped per
# cell (autograder/grading/execute.py). LimitOutput's line cap is off: it counts lines, not
# bytes, only after a cell's whole output was held, and its note would cut ours.
c.Autograde.autograde_preprocessors = [GradingExecute if p is Execute else p
                                       for p in Autograde.class_traits()["autograde_preprocessors"].default()]
c.Execute.startup_timeout = KERNEL_READY_S        # a kernel that never gets ready
c.LimitOutput.max_lines = -1
# Nothing of the student's is ever overwritten: the source assignment holds notebooks only,
# and the student's mytorch/ files are listed here too, should anyone add them to source/.
c.Autograde.exclude_overwriting = {{{ASSIGNMENT!r}: {sorted(protected)!r}}}
c.LimitOutput.max_traceback = 3
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".autograder_records"]
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, HideTracebacks,
                                    CSSHTMLHeaderPreprocessor]
c.GenerateFeedback.exporter_class = FeedbackHTML   # the same pages at half the CPU
'''
