"""nbgrader's configuration for grading, and the preprocessor it needs that nbgrader lacks.

By default nbgrader would (1) show hidden test code in the feedback HTML, and tracebacks
would show it again (the lines around the failing call), and (2) score a test cell zero
for any stderr output. Test cells call checks that capture warnings and stderr; the
feedback clears hidden tests and reduces every traceback to its final line.
"""
from nbconvert.preprocessors import Preprocessor

from ..parts import ASSIGNMENT, COURSE


class HideTracebacks(Preprocessor):
    """Keep only the last line of each error (its type and message) in the feedback."""

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


def config_text(root, protected, timeout=30, db_url=None, kernel=None):
    """The nbgrader_config.py of a grading course directory at `root`.

    protected: the student's files (mytorch/...) that autograde must never replace."""
    db = f"\nc.CourseDirectory.db_url = {db_url!r}" if db_url else ""
    return f'''# Written by python -m autograder grade; edit the autograder, not this file.
from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute, GetGrades, ClearHiddenTests
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from autograder.grading.execute import KERNEL_READY_S, GradingExecute
from autograder.grading.nbgrader_config import HideTracebacks

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
'''
