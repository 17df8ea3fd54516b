"""The student package is exactly what the generator makes, and only the marked parts are missing."""
import inspect

import numpy as np
import pytest

from autograder.course import stubs as gen


def test_committed_stubs_match_the_generator():
    assert gen.differences() == [], "run: python -m autograder stubs"


def test_no_solution_code_reaches_the_stubs():
    for path in gen.STUBS.rglob("*.py"):
        text = path.read_text()
        assert gen.BEGIN not in text and gen.END not in text, path


def test_generator_replaces_a_region_and_keeps_the_rest():
    source = 'def f(x):\n    """y = 2x; x: (N,)."""\n    y = x\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n'
    out = gen.stub_source(source, "mod.py")
    assert '"""y = 2x; x: (N,)."""' in out and "    y = x\n" in out
    assert "return 2 * x" not in out
    assert 'raise NotImplementedError("mod.f is not implemented yet' in out


@pytest.mark.parametrize("source, problem", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n", "no docstring"),
    ('def f():\n    """d"""\n    ### BEGIN SOLUTION\n    return 1\n', "without ### END"),
    ('def f():\n    """d"""\n    return 1\n    ### END SOLUTION\n', "without ### BEGIN"),
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "outside a function"),
])
def test_generator_refuses_broken_markers(source, problem):
    with pytest.raises(gen.StubError, match=problem):
        gen.stub_source(source)


def _instances(package):
    """One instance of every stubbed class, with the arguments each forward needs."""
    rng = np.random.default_rng(0)
    X, P = rng.standard_normal((4, 3)), rng.uniform(0.1, 0.9, (4, 3))
    nn = package.nn
    return {
        "Linear": (nn.Linear(3, 2), (X,), (rng.standard_normal((4, 2)),)),
        **{name: (getattr(nn, name)(), (X,), (X,))
           for name in ["Identity", "Sigmoid", "Tanh", "ReLU", "Softmax"]},
        "MSELoss": (nn.MSELoss(), (X, P), ()),
        "BCELoss": (nn.BCELoss(), (P, P), ()),
        "CrossEntropyLoss": (nn.CrossEntropyLoss(), (X, np.array([0, 1, 2, 0])), ()),
        "Sequential": (nn.Sequential(nn.Linear(3, 2)), (X,), (rng.standard_normal((4, 2)),)),
    }


@pytest.mark.parametrize("name", [
    "Linear", "Identity", "Sigmoid", "Tanh", "ReLU", "Softmax", "MSELoss", "BCELoss",
    "CrossEntropyLoss", "Sequential"])
def test_every_stubbed_method_raises_not_implemented(stubs, mt, name):
    stub, forward_args, backward_args = _instances(stubs)[name]
    ref = _instances(mt)[name][0]
    with pytest.raises(NotImplementedError, match=f"{name}\\.(forward|_targets) is not implemented"):
        stub.forward(*forward_args)
    ref.forward(*forward_args)                 # give the stub the state a working forward leaves
    stub.__dict__.update(ref.__dict__)
    with pytest.raises(NotImplementedError, match=f"{name}\\.backward is not implemented"):
        stub.backward(*backward_args)


def test_stub_sgd_and_unitwise_raise_not_implemented(stubs):
    layer = stubs.nn.Linear(3, 2)
    with pytest.raises(NotImplementedError, match="SGD.step"):
        stubs.optim.SGD(layer.parameters(), lr=0.1).step()
    w, b, f = stubs.unitwise.from_linear([layer], ["relu"])
    with pytest.raises(NotImplementedError, match="forward"):
        stubs.unitwise.forward(w, b, f, [0.0, 1.0, 2.0])
    with pytest.raises(NotImplementedError, match="derivative"):
        stubs.unitwise.derivative("relu", 1.0, 1.0)
    with pytest.raises(NotImplementedError, match="backward"):
        stubs.unitwise.backward(w, f, [None, [1.0, 1.0]], [[0, 1, 2], [1.0, 1.0]], [1.0, 1.0])


def test_everything_else_works_in_the_stubs(stubs):
    """Construction, repr, parameters, zero_grad and gradcheck need no student code."""
    model = stubs.models.MLP([3, 4, 2], "tanh")
    assert "Linear(in_features=3, out_features=4)" in repr(model)
    opt = stubs.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    opt.zero_grad()
    assert [p.data.shape for p in model.parameters()] == [(4, 3), (4,), (2, 4), (2,)]
    assert inspect.isfunction(stubs.gradcheck.gradcheck)
