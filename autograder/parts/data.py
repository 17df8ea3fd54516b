"""The homework's data: scikit-learn's digits, which ship with the package (no download)."""
import numpy as np


def load_digits_split(seed=0, test_fraction=0.25):
    """8x8 digit images as (N, 64) floats in [0, 1] and labels (N,), split train/test.

    Returns X_train, y_train, X_test, y_test; the same seed gives the same split.
    """
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    X, y = X[order] / 16.0, y[order]
    n_test = int(len(y) * test_fraction)
    return X[n_test:], y[n_test:], X[:n_test], y[:n_test]
