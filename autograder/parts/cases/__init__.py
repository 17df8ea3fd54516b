"""The graded parts of hw1: their registry, PARTS (below), and one module per family of parts
with the inputs of its cases and how a part is run on a student's work:

    spec.py          Spec, Part, and what several families share (how a backward case is run)
    linear.py, activations.py, losses.py, sgd.py, sequential.py     mytorch, class by class
    network.py       an MLP of the student's layers, end to end
    unitwise.py      the unit-by-unit forward and backward
    optimisation.py  notebook 1's functions
    concepts.py      notebook 3's conceptual questions
    training.py      notebook 3's training, graded on learning

A family imports at most `spec` (and `sgd` the Linear it steps), never this registry.

Student-safe: it holds inputs and the way each part is called, never an answer.
Expected values come from running the reference on these inputs
(`python -m autograder references`) and live with the checks that use them.
"""
from .activations import (_make_activation, _relu_mistakes, _run_activation_backward, _run_activation_forward,
                          _sigmoid_mistakes, _softmax_mistakes, _tanh_mistakes)
from .concepts import (_make_assumptions, _make_smoothing, _make_zero_one, _run_assumptions, _run_smoothing,
                       _run_zero_one, _smoothing_mistakes, _zero_one_mistakes)
from .linear import _make_linear, _run_linear_backward, _run_linear_forward
from .losses import _ce_mistakes, _make_loss, _run_loss_backward, _run_loss_forward
from .network import _make_network, _network_mistakes, _run_network
from .optimisation import _make_critical, _make_gd, _make_hessian, _run_critical, _run_gd, _run_hessian
from .sequential import _make_sequential, _run_sequential_backward, _run_sequential_forward, _sequential_mistakes
from .sgd import _make_sgd, _run_sgd, _sgd_mistakes
from .spec import NB_MYTORCH, NB_OPT, NB_TRAIN, Part, Spec
from .training import _judge_training, _make_training, _run_training, _training_truth
from .unitwise import _make_unitwise, _run_unitwise_backward, _run_unitwise_forward, _unitwise_mistakes


# The registry of graded parts, one entry each: its grade cell's id, its notebook, points,
# the title the tables show, and how its cases are made, run and compared. Everything else
# (parts.BY_ID, NOTEBOOKS, TOTAL, the notebooks' points, the README's table) derives from it.
PARTS = [
    Part("opt_critical", NB_OPT, 4, "critical points and the second-derivative test",
         Spec(_make_critical, _run_critical)),
    Part("opt_hessian", NB_OPT, 4, "Hessian and classifying critical points of f(x, y)",
         Spec(_make_hessian, _run_hessian, rtol=1e-4)),
    Part("opt_gd", NB_OPT, 4, "gradient descent with its two stopping rules",
         Spec(_make_gd, _run_gd)),
    Part("linear_forward", NB_MYTORCH, 3, "Linear.forward",
         Spec(_make_linear, _run_linear_forward)),
    Part("linear_backward", NB_MYTORCH, 5, "Linear.backward (dLdA, dLdW, dLdb)",
         Spec(_make_linear, _run_linear_backward, stateful=True)),
    Part("identity_forward", NB_MYTORCH, 1, "Identity.forward",
         Spec(_make_activation(False), _run_activation_forward("Identity"))),
    Part("identity_backward", NB_MYTORCH, 1, "Identity.backward",
         Spec(_make_activation(False), _run_activation_backward("Identity"), stateful=True)),
    Part("sigmoid_forward", NB_MYTORCH, 1, "Sigmoid.forward",
         Spec(_make_activation(True), _run_activation_forward("Sigmoid"))),
    Part("sigmoid_backward", NB_MYTORCH, 3, "Sigmoid.backward",
         Spec(_make_activation(True), _run_activation_backward("Sigmoid"),
              mistakes=_sigmoid_mistakes, stateful=True)),
    Part("tanh_forward", NB_MYTORCH, 1, "Tanh.forward",
         Spec(_make_activation(True), _run_activation_forward("Tanh"))),
    Part("tanh_backward", NB_MYTORCH, 3, "Tanh.backward",
         Spec(_make_activation(True), _run_activation_backward("Tanh"),
              mistakes=_tanh_mistakes, stateful=True)),
    Part("relu_forward", NB_MYTORCH, 1, "ReLU.forward",
         Spec(_make_activation(False), _run_activation_forward("ReLU"))),
    Part("relu_backward", NB_MYTORCH, 3, "ReLU.backward",
         Spec(_make_activation(False), _run_activation_backward("ReLU"),
              mistakes=_relu_mistakes, stateful=True)),
    Part("softmax_forward", NB_MYTORCH, 2, "Softmax.forward",
         Spec(_make_activation(True), _run_activation_forward("Softmax"))),
    Part("softmax_backward", NB_MYTORCH, 5, "Softmax.jacobian and Softmax.backward",
         Spec(_make_activation(True), _run_activation_backward("Softmax"),
              mistakes=_softmax_mistakes, stateful=True)),
    Part("mse_forward", NB_MYTORCH, 1, "MSELoss.forward",
         Spec(_make_loss("mse"), _run_loss_forward("MSELoss"))),
    Part("mse_backward", NB_MYTORCH, 3, "MSELoss.backward",
         Spec(_make_loss("mse"), _run_loss_backward("MSELoss"), stateful=True)),
    Part("bce_forward", NB_MYTORCH, 2, "BCELoss.forward",
         Spec(_make_loss("bce"), _run_loss_forward("BCELoss"))),
    Part("bce_backward", NB_MYTORCH, 3, "BCELoss.backward",
         Spec(_make_loss("bce"), _run_loss_backward("BCELoss"), stateful=True)),
    Part("ce_forward", NB_MYTORCH, 3, "CrossEntropyLoss.forward (with label smoothing)",
         Spec(_make_loss("ce"), _run_loss_forward("CrossEntropyLoss"), mistakes=_ce_mistakes)),
    Part("ce_backward", NB_MYTORCH, 4, "CrossEntropyLoss.backward (with label smoothing)",
         Spec(_make_loss("ce"), _run_loss_backward("CrossEntropyLoss"), mistakes=_ce_mistakes,
              stateful=True)),
    Part("sgd_step", NB_MYTORCH, 3, "SGD.step without momentum",
         Spec(_make_sgd(0.0), _run_sgd, mistakes=_sgd_mistakes)),
    Part("sgd_momentum", NB_MYTORCH, 3, "SGD.step with momentum",
         Spec(_make_sgd(0.9), _run_sgd, mistakes=_sgd_mistakes)),
    Part("sequential_forward", NB_MYTORCH, 1, "Sequential.forward",
         Spec(_make_sequential, _run_sequential_forward)),
    Part("sequential_backward", NB_MYTORCH, 3, "Sequential.backward",
         Spec(_make_sequential, _run_sequential_backward, mistakes=_sequential_mistakes)),
    Part("unitwise_forward", NB_MYTORCH, 3, "unitwise.forward (slides' forward pass)",
         Spec(_make_unitwise, _run_unitwise_forward)),
    Part("unitwise_backward", NB_MYTORCH, 5, "unitwise.derivative and unitwise.backward",
         Spec(_make_unitwise, _run_unitwise_backward, mistakes=_unitwise_mistakes, stateful=True)),
    Part("network", NB_MYTORCH, 10, "an MLP of your layers, end to end: every output and gradient",
         Spec(_make_network, _run_network, mistakes=_network_mistakes, advice=(
             "layers that pass alone can fail together: look for a cache shared between instances (a "
             "class attribute or a global), a backward that changes in place what forward cached "
             "(self.A **= 2; the next Linear cached the same array), or gradients added up instead of "
             "overwritten. The outputs tell the pass: Y1, dLdX1, pass1/ (one forward and backward), "
             "dLdX2, pass2/ (a second backward from the same forward), Y2, dLdX3, pass3/ (after a step)"))),
    Part("training", NB_TRAIN, 10, "train(): an MLP trained on digits, 93% on unseen ones for all points",
         Spec(_make_training, _run_training, judge_case=_judge_training, truth=_training_truth)),
    # Last in the list though they follow training in its notebook: a part's cases are drawn from
    # its index (references.build), so appending leaves every other part's cases as they were.
    Part("concept_zero_one", NB_TRAIN, 2, "zero_one_staircase: where the 0/1 error steps, and its steps",
         Spec(_make_zero_one, _run_zero_one, mistakes=_zero_one_mistakes, advice=(
             "between two consecutive steps no prediction changes; evaluate the error once inside each "
             "piece (at its middle, say), from a to the first step, between steps, and from the last to b"))),
    Part("concept_smoothing", NB_TRAIN, 2,
         "smoothed_ce_optimum_gap: the logit gap at cross-entropy's minimum",
         Spec(_make_smoothing, _run_smoothing, mistakes=_smoothing_mistakes, advice=(
             "at the minimum the gradient p - target (5.8) is zero, so softmax(z) equals the smoothed "
             "target, and z_c - z_j = log(p_c / p_j); with alpha = 0 that never happens: return np.inf"))),
    Part("concept_assumptions", NB_TRAIN, 1,
         "broken_assumption: which of the three assumptions (slides 153-154) an operation breaks",
         Spec(_make_assumptions, _run_assumptions, advice=(
             "1: a unit's output reaches the other units of its own layer (a vector activation); 2: unit "
             "outputs combine by something other than weighted addition (a product); 3: an activation "
             "has a point without a derivative (a kink or a jump); 0: none of them"))),
]
