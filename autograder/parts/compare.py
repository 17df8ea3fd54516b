"""Compare a student's output with the reference and say what differs, and why it might.

Student-safe: it holds no reference values, only the rules for comparing and the
common mistakes a difference can be recognised by.
"""
from dataclasses import dataclass

import numpy as np

RTOL, ATOL = 1e-6, 1e-9


@dataclass
class Verdict:
    """One output of one case: passed, or what differed (and a hint when we recognise it)."""
    name: str
    passed: bool
    detail: str = ""      # where and how much it differs: safe to show after hidden tests
    hint: str = ""
    values: str = ""      # the values there, the expected one included: visible tests only

    def text(self, show_values=True):
        if self.passed:
            return f"{self.name}: ok"
        values = f": {self.values}" if show_values and self.values else ""
        return f"{self.name}: {self.detail}{values}" + (f"\n      hint: {self.hint}" if self.hint else "")


def _close(a, b, rtol=RTOL):
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=ATOL))


def diagnose(got, expected, n=None, c=None):
    """Name the common mistake that turns `expected` into `got`, or '' if none fits."""
    if got.dtype.kind in "fc" and not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        return ("your output has inf or nan where the reference is finite: the computation "
                "overflows. Subtract the row maximum before exp (softmax, cross-entropy) and take "
                "exp only of -|z| (sigmoid)")
    if got.ndim == 2 and got.shape == expected.T.shape and got.shape != expected.shape:
        if _close(got, expected.T):
            return "your result is the transpose of the expected one (check the order of the matrix product)"
        return (f"shape is the transpose of the expected {expected.shape}: check which side of the "
                f"product each factor goes (dL/dW = (dL/dZ)^T A has the shape of W)")
    if got.shape != expected.shape:
        if got.size == expected.size and _close(got.reshape(expected.shape), expected):
            return (f"the values are right but the shape is {got.shape}, not {expected.shape}: "
                    f"reshape, or sum without keepdims=True")
        return ""
    scales = [(-1, "wrong sign: your result is minus the expected one"),
              (2, "a factor 2 too large"), (0.5, "a factor 2 missing (the derivative of x^2 is 2x)")]
    if n and n > 1:
        scales += [(n, f"{n}x too large = the batch size N: a missing 1/N (the loss's mean divides by N)"),
                   (1 / n, f"{n}x too small = the batch size N: an extra 1/N (layers never divide "
                           f"by N; only the loss's mean does)")]
    if c and c > 1:
        scales += [(c, f"{c}x too large = the number of columns C: average over all N*C entries"),
                   (1 / c, f"{c}x too small = the number of columns C: average over all N*C entries, once")]
    if n and c and n > 1 and c > 1:
        scales += [(n * c, f"{n * c}x too large = N*C, the number of entries: no mean at all (the loss "
                           f"averages over all N*C entries, so its gradient divides by N*C)")]
    if np.any(np.abs(expected) > ATOL):
        for k, hint in scales:
            if _close(got, k * expected):
                return hint
    return ""


def recognise(got, expected, mistakes, rtol=RTOL):
    """The description of the first mistake whose wrong value `got` equals, or ''. A wrong value
    is an array, or a function of the expected one (np.transpose: the result stored transposed)."""
    for description, wrong in mistakes:
        wrong = wrong(expected) if callable(wrong) else wrong
        if wrong is not None and _close(got, np.asarray(wrong, dtype=np.float64), rtol):
            return description
    return ""


def compare(name, got, expected, rtol=RTOL, n=None, c=None, mistakes=()):
    """A Verdict for one output. `mistakes`: (description, wrong value) pairs to recognise; a
    mistake recognised exactly is named before any generic diagnosis (`diagnose`)."""
    if isinstance(got, (list, tuple)):
        try:
            got = np.asarray(got, dtype=expected.dtype if expected.dtype.kind in "fiu" else None)
        except (TypeError, ValueError):
            return Verdict(name, False, f"could not read the result as an array: got {got!r:.80}")
    got = np.asarray(got) if np.isscalar(got) or got is None else got
    if not isinstance(got, np.ndarray) or got.dtype == object:
        return Verdict(name, False, f"expected an array of shape {expected.shape}, got {type(got).__name__}")
    if expected.dtype.kind in "USb" or got.dtype.kind in "USb":
        if got.shape == expected.shape and np.array_equal(got.astype(str), expected.astype(str)):
            return Verdict(name, True)
        return Verdict(name, False, "a different answer", values=f"got {got.tolist()}, expected {expected.tolist()}")
    if got.shape != expected.shape:
        return Verdict(name, False, f"shape: expected {expected.shape}, got {got.shape}",
                       recognise(got, expected, mistakes, rtol) or diagnose(got, expected, n, c))
    got = got.astype(np.float64)
    if _close(got, expected, rtol):
        return Verdict(name, True)
    # a recognised mistake names the cause better than a scale or an overflow can
    recognised = recognise(got, expected, mistakes, rtol)
    bad = ~np.isfinite(got) & np.isfinite(expected)
    if np.any(bad):             # never "largest abs. error 0": say what is not a number, and where
        i = tuple(int(k) for k in np.argwhere(bad)[0])
        return Verdict(name, False, f"got {got[i]!r} at index {i} ({int(bad.sum())} of {bad.size} entries "
                       f"not finite) where the expected value is finite",
                       recognised or diagnose(got, expected, n, c), f"expected {float(expected[i])!r}")
    with np.errstate(invalid="ignore"):      # an infinity where one is expected is no error
        err = np.where(got == expected, 0.0, np.abs(got - expected))
        rel = err / np.maximum(np.abs(expected), ATOL)
    i = np.unravel_index(np.argmax(np.nan_to_num(rel, nan=np.inf)), rel.shape) if rel.ndim else ()
    index = tuple(int(k) for k in i)
    detail = (f"largest abs. error {np.nanmax(err, initial=0):.3g}, largest rel. error "
              f"{np.nanmax(rel, initial=0):.3g} at index {index} (tolerance rel. {rtol:g})")
    hint = recognised or diagnose(got, expected, n, c)
    return Verdict(name, False, detail, hint, f"got {float(got[i])!r}, expected {float(expected[i])!r}")
