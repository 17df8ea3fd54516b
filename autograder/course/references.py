"""Generate the reference values of every graded part from the reference library.

    python -m autograder references [--seed S]     # S: the semester's hidden seed
    python -m autograder references --check        # exit 1 if the stored files are stale

Visible references come from the public seed in visible.py and ship with the homework.
Hidden ones come from the instructor's seed (stored with them, so --check can regenerate
them) and stay with the autograder, in two files: hidden_inputs.npz (what the grading kernel
reads: the inputs and, for backward parts only, the reference's forward state on their own
inputs, never a forward part's answer) and secret/hidden_expected.npz (the expected
outputs, which only the grading process reads). The homework's data, parts/digits.npz, is
written and checked here too: it is scikit-learn's digits, stored as they are.
"""

import functools

import numpy as np

from ..parts import BY_ID, PARTS, NB_MYTORCH, data, visible
from .generated import check_or_write
from .paths import HIDDEN_EXPECTED, HIDDEN_INPUTS, reference


@functools.cache
def _reference_namespace(notebook):
    """The reference's answers to a notebook's parts, run from the instructor's notebook (not
    its training: the training part's expected values are the digits' labels, `truth`)."""
    from .notebook_answers import namespace
    return namespace(notebook, train=False)


def build(seed, hidden_cases):
    """{npz key: array} for every part and case, expected values computed by the reference."""
    mt = reference()
    arrays = {"seed": np.int64(seed)}
    for k, part in enumerate(PARTS):      # k: the part's cases stay put when parts are appended
        rng = np.random.default_rng([seed, k])
        target = mt if part.notebook == NB_MYTORCH else _reference_namespace(part.notebook)
        for c, inputs in enumerate(part.spec.make(rng, hidden_cases)):
            if part.spec.truth:          # the expected values are not the reference's outputs
                outputs, state = part.spec.truth(inputs), {}
            else:
                outputs, state = part.spec.run(target, inputs, None)
            if not part.spec.stateful:   # kept with the expected values, for the hints only
                outputs = {**outputs, **({f"state/{k}": v for k, v in state.items()}
                                         if part.spec.mistakes else {})}
                state = {}
            for kind, values in [("inputs", inputs), ("expected", outputs), ("state", state)]:
                for name, value in values.items():
                    arrays[f"{part.id}/{c}/{kind}/{name}"] = np.asarray(value)
    return arrays


def split(arrays):
    """(inputs and state, expected) halves of a hidden build; both keep the seed."""
    expected = {k: v for k, v in arrays.items() if k.split("/")[2:3] == ["expected"]}
    rest = {k: v for k, v in arrays.items() if k not in expected}
    return rest, {"seed": arrays["seed"], **expected}


# Stored floats may differ from a fresh build in their last bits (numpy's versions round
# softmax and log differently; a finite-difference Hessian amplifies that): a float is stale
# when it moved by more than STALE_FRACTION of the tolerance its part is judged with.
STALE_FRACTION = 1e-3


def same(old, new, rtol=1e-6):
    """Whether a stored array and a freshly built one hold the same reference value for a
    part judged with relative tolerance `rtol`: floats within rtol * STALE_FRACTION, the rest exactly."""
    if old.dtype != new.dtype or old.shape != new.shape:
        return False
    if new.dtype.kind in "fc":
        return bool(np.allclose(old, new, rtol=rtol * STALE_FRACTION, atol=1e-300, equal_nan=True))
    return bool(np.array_equal(old, new))


def _stale(path, arrays):
    if not path.exists():
        return True
    rtol = lambda key: BY_ID[key.split("/")[0]].spec.rtol if "/" in key else 1e-6     # "seed" has none
    with np.load(path, allow_pickle=False) as old:
        return set(old.files) != set(arrays) or not all(same(old[k], arrays[k], rtol(k)) for k in arrays)


def main(args):
    seed = args.seed
    if seed is None:
        seed = int(np.load(HIDDEN_INPUTS)["seed"]) if HIDDEN_INPUTS.exists() else 0
    if not args.check and not data.DIGITS.exists():    # the reference's training reads it
        np.savez_compressed(data.DIGITS, **data.digits_from_scikit_learn())
    inputs, expected = split(build(seed, True))
    targets = [(visible.REFS, build(visible.VISIBLE_SEED, False)), (HIDDEN_INPUTS, inputs),
               (HIDDEN_EXPECTED, expected), (data.DIGITS, data.digits_from_scikit_learn())]

    def write():
        for path, arrays in targets:
            path.parent.mkdir(exist_ok=True)
            np.savez_compressed(path, **arrays)
    return check_or_write(args, "autograder/**/*.npz", "solutions/",
                          lambda: [p.name for p, arrays in targets if _stale(p, arrays)], write,
                          "python -m autograder references")


def add_parser(commands):
    p = commands.add_parser("references", help="generate visible and hidden reference values")
    p.add_argument("--seed", type=int, help="hidden seed (default: the one stored, else 0)")
    p.add_argument("--check", action="store_true", help="only report whether stored values are stale")
    p.set_defaults(run=main)
