"""The homework's data: scikit-learn's digits (a copy of the UCI optical digits, CC BY 4.0),
stored beside this file as digits.npz by `python -m autograder references`: reading it takes
milliseconds where importing scikit-learn takes most of a second in every grading kernel."""
from pathlib import Path
from typing import NamedTuple

import numpy as np

DIGITS = Path(__file__).with_name("digits.npz")

FRACTIONS = (0.60, 0.15, 0.25)        # training, validation, test


class Split(NamedTuple):
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def digits():
    """All 1797 8x8 images as (N, 64) floats in [0, 1] (grey levels / 16) and labels (N,)."""
    with np.load(DIGITS, allow_pickle=False) as d:
        return d["X"] / 16.0, d["y"].astype(np.int64)


def digits_from_scikit_learn():
    """{"X": grey levels 0..16 as uint8 (1797, 64), "y": labels as uint8}: what DIGITS stores."""
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    return {"X": X.astype(np.uint8), "y": y.astype(np.uint8)}


def split_indices(seed, n=1797):
    """(train, validation, test) row indices of a random split in FRACTIONS; same seed, same split."""
    order = np.random.default_rng(seed).permutation(n)
    n_train, n_val = int(n * FRACTIONS[0]), int(n * FRACTIONS[1])
    return order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]


def digits_split(seed=0):
    """The digits split by `split_indices(seed)`: a Split of (X, y) pairs for train, val, test.

    Choose everything (epochs, learning rate, schedule) by the validation accuracy; measure the
    test accuracy once, at the end: a choice made by looking at it is fitted to it."""
    X, y = digits()
    parts = []
    for rows in split_indices(seed, len(y)):
        parts += [X[rows], y[rows]]
    return Split(*parts)
