"""The graded parts of the homework: the one registry every other module derives from.

Each part is one nbgrader grade cell (its `grade_id` is the part id) whose visible test
calls `autograder.parts.visible.check(part_id, target)` and whose hidden test (removed
from the student's copy) records outputs for the grader. `target` is the student's
`mytorch` package, or for notebook parts the notebook's namespace (`globals()`).
How each part's inputs are made, run and compared is in `cases.SPECS`.

This folder ships to students (with `student/`): it holds no answer and no hidden value.
"""
from dataclasses import dataclass

COURSE = "backprop"          # nbgrader's course id
ASSIGNMENT = "hw1"           # nbgrader's assignment name


@dataclass(frozen=True)
class Part:
    id: str
    notebook: str        # notebook file stem in solutions/hw1/
    points: int
    title: str           # what the student implements, as the table shows it


NB_OPT, NB_MYTORCH, NB_TRAIN = "1_optimisation", "2_mytorch", "3_training"

PARTS = [
    Part("opt_critical", NB_OPT, 4, "critical points and the second-derivative test"),
    Part("opt_hessian", NB_OPT, 4, "Hessian and classifying critical points of f(x, y)"),
    Part("opt_gd", NB_OPT, 4, "gradient descent with its two stopping rules"),
    Part("linear_forward", NB_MYTORCH, 3, "Linear.forward"),
    Part("linear_backward", NB_MYTORCH, 5, "Linear.backward (dLdA, dLdW, dLdb)"),
    Part("identity_forward", NB_MYTORCH, 1, "Identity.forward"),
    Part("identity_backward", NB_MYTORCH, 1, "Identity.backward"),
    Part("sigmoid_forward", NB_MYTORCH, 1, "Sigmoid.forward"),
    Part("sigmoid_backward", NB_MYTORCH, 3, "Sigmoid.backward"),
    Part("tanh_forward", NB_MYTORCH, 1, "Tanh.forward"),
    Part("tanh_backward", NB_MYTORCH, 3, "Tanh.backward"),
    Part("relu_forward", NB_MYTORCH, 1, "ReLU.forward"),
    Part("relu_backward", NB_MYTORCH, 3, "ReLU.backward"),
    Part("softmax_forward", NB_MYTORCH, 2, "Softmax.forward"),
    Part("softmax_backward", NB_MYTORCH, 5, "Softmax.jacobian and Softmax.backward"),
    Part("mse_forward", NB_MYTORCH, 1, "MSELoss.forward"),
    Part("mse_backward", NB_MYTORCH, 3, "MSELoss.backward"),
    Part("bce_forward", NB_MYTORCH, 2, "BCELoss.forward"),
    Part("bce_backward", NB_MYTORCH, 3, "BCELoss.backward"),
    Part("ce_forward", NB_MYTORCH, 3, "CrossEntropyLoss.forward (with label smoothing)"),
    Part("ce_backward", NB_MYTORCH, 4, "CrossEntropyLoss.backward (with label smoothing)"),
    Part("sgd_step", NB_MYTORCH, 3, "SGD.step without momentum"),
    Part("sgd_momentum", NB_MYTORCH, 3, "SGD.step with momentum"),
    Part("sequential_forward", NB_MYTORCH, 1, "Sequential.forward"),
    Part("sequential_backward", NB_MYTORCH, 3, "Sequential.backward"),
    Part("unitwise_forward", NB_MYTORCH, 3, "unitwise.forward (slides' forward pass)"),
    Part("unitwise_backward", NB_MYTORCH, 5, "unitwise.derivative and unitwise.backward"),
    Part("network", NB_MYTORCH, 10, "an MLP of your layers, end to end: every output and gradient"),
    Part("training", NB_TRAIN, 10, "train(): an MLP trained on digits, 93% on unseen ones for all points"),
    # Last in the list though they follow training in its notebook: a part's cases are drawn from
    # its index (references.build), so appending leaves every other part's cases as they were.
    Part("concept_zero_one", NB_TRAIN, 2, "zero_one_staircase: where the 0/1 error steps, and its steps"),
    Part("concept_smoothing", NB_TRAIN, 2, "smoothed_ce_optimum_gap: the logit gap at cross-entropy's minimum"),
    Part("concept_assumptions", NB_TRAIN, 1, "broken_assumption: which of the three assumptions (slides 153-154) an operation breaks"),
]
BY_ID = {p.id: p for p in PARTS}
NOTEBOOKS = sorted({f"{p.notebook}.ipynb" for p in PARTS})
TOTAL = sum(p.points for p in PARTS)
