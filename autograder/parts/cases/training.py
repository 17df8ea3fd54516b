"""Notebook 3's training part, graded on learning.

The grader calls the student's train() on a split it draws, with an rng it seeds, and keeps
the learned weights; the grading process runs those through the REFERENCE forward pass on
digits the student's code never saw (grading/learned.py), and its predictions are judged here.
So a "model" that looks the labels up, or a classifier wrapped in a mytorch class, earns
nothing: only weights that classify do. On those hidden splits the pixels come in an order
drawn from the hidden seed (`pixel_order`), so weights learned beforehand, from all the public
digits, fit nothing either: only a train() that learns from what it is given earns points.
Points are linear in the test accuracy, from TRAINING_ZERO (none) to TRAINING_FULL (all).
"""
import numpy as np

from ..data import digits, split_indices
from .spec import _answer


TRAINING_FULL, TRAINING_ZERO = 0.93, 0.83
LAYERS = ("Linear", "ReLU", "Sigmoid", "Tanh", "Identity", "Softmax")


def _make_training(rng, hidden):
    seed = int(rng.integers(2 ** 31)) if hidden else 0
    train, val, test = split_indices(seed)
    case = {"train": train, "val": val, "seed": np.int64(seed)}
    if hidden:                # the 64 pixels in an order of the hidden seed's: see pixel_order
        case["pixels"] = rng.permutation(64)
    else:                     # the public split: the student's own forward predicts, here only
        case["test"] = test
    return [case]


def pixel_order(X, x):
    """X with its columns in the case's pixel order (hidden cases only). An MLP learns as well
    from pixels in any order, the same for every digit; weights fitted beforehand to the digits
    as published, by a train() that ignores what it is given, fit nothing here."""
    return X[:, x["pixels"]] if "pixels" in x else X


def _layers(ns, model):
    """The mytorch layers of a trained model: (class names, the model's layers), or TypeError."""
    mt = ns.get("mytorch")
    if isinstance(model, tuple) and model:
        model = model[0]                      # train() returns (model, history)
    if mt is None or not isinstance(model, mt.nn.Sequential):
        raise TypeError(f"train() must return (model, history) with model a mytorch.nn.Sequential "
                        f"(mytorch.models.MLP is one) of your mytorch layers; got {type(model).__name__}")
    names = []
    for layer in model.layers:
        kinds = [k for k in LAYERS if isinstance(layer, getattr(mt.nn, k))]
        if not kinds:
            raise TypeError(f"the model holds a {type(layer).__name__}; only mytorch layers "
                            f"{', '.join(LAYERS)} can be graded")
        names.append(kinds[0])
    return names, model


def _run_training(ns, x, state):
    """train() on the case's split; returns the layer names and learned W{k}, b{k} of each Linear
    (and, on the public split only, the student's own predictions on its test digits)."""
    X, y = digits()
    X = pixel_order(X, x)
    rows = [(X[x[k]].copy(), y[x[k]].copy()) for k in ("train", "val")]
    trained = _answer(ns, "train")(*rows[0], *rows[1], np.random.default_rng(int(x["seed"])))
    names, model = _layers(ns, trained)
    out = {"layers": np.array(names, dtype=str)}
    for k, (name, layer) in enumerate(zip(names, model.layers)):
        if name == "Linear":
            out[f"W{k}"], out[f"b{k}"] = np.asarray(layer.W, dtype=float), np.asarray(layer.b, dtype=float)
    if "test" in x:
        out["predictions"] = np.argmax(model.forward(X[x["test"]].copy()), axis=1)
    return out, {}


def _training_truth(x):
    """Visible: the public test labels. Hidden: the test rows (secret), which the grader predicts,
    and the pixel order they are given in."""
    if "test" in x:
        return {"predictions": digits()[1][x["test"]]}
    return {"test": split_indices(int(x["seed"]))[2], "pixels": x["pixels"]}


def _judge_training(out, expected):
    """(Verdict, fraction of the points) of one training case: the predicted classes against the
    labels. On the public split the student's own forward predicted; on a hidden one the grading
    process did, from the recorded weights (grading/learned.py), or says in "unevaluable" why not."""
    from ..compare import Verdict
    if "unevaluable" in out:
        return Verdict("accuracy", False, f"the trained model could not be evaluated: {out['unevaluable']}"), 0.0
    got, labels = out.get("predictions"), expected["predictions"]
    got = np.asarray(got) if got is not None else np.zeros(0)
    if got.shape != labels.shape:
        return Verdict("accuracy", False, f"expected {labels.shape[0]} predicted classes, got shape {got.shape}"), 0.0
    accuracy = float(np.mean(got == labels))
    fraction = float(np.clip((accuracy - TRAINING_ZERO) / (TRAINING_FULL - TRAINING_ZERO), 0, 1))
    return Verdict("accuracy", fraction == 1,
                   f"test accuracy {accuracy:.3f} on {len(labels)} digits the training never saw: "
                   f"{fraction:.0%} of the points (none at {TRAINING_ZERO}, all from {TRAINING_FULL})"), fraction
