"""The `network` part: an MLP of the student's own layers, end to end."""
import numpy as np


ACTIVATION_CLASSES = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh", "identity": "Identity"}


def _make_network(rng, hidden):
    """MLPs of one Linear, 2 and 4 hidden layers (visible: 3), mixed activations,
    with the gradients of three backward passes and a learning rate for one step between them."""
    # every activation that caches (sigmoid, tanh, relu) twice in one network: a cache shared
    # between instances of a class then shows
    nets = ([([3, 2], []), ([4, 6, 5, 3], ["relu", "relu"]),
             ([5, 4, 4, 4, 4, 2], list(rng.permutation(["sigmoid", "tanh", "sigmoid", "tanh"])))]
            if hidden else [([4, 5, 5, 5, 3], ["sigmoid", "tanh", "sigmoid"])])
    cases = []
    for sizes, f in nets:
        n = int(rng.integers(2, 6)) if hidden else 3
        case = {"f": np.array(f, dtype=str), "lr": np.float64(0.1),
                "X1": rng.standard_normal((n, sizes[0])), "X2": rng.standard_normal((n + 1, sizes[0]))}
        for k, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            case[f"W{k}"], case[f"b{k}"] = rng.standard_normal((d_out, d_in)), rng.standard_normal(d_out)
        for g, rows in [("g1", n), ("g2", n), ("g3", n + 1)]:
            case[g] = rng.standard_normal((rows, sizes[-1]))
        cases.append(case)
    return cases


def _run_network(mt, x, state):
    """forward X1; backward g1; backward g2 (from the same forward); one SGD step done here,
    in place; forward X2; backward g3. Every output and every gradient of each pass is kept:
    a layer right alone but wrong in a network (a cache shared between layers, gradients added
    up instead of overwritten, a cache changed in place by backward, parameter arrays shared)
    gets some of them wrong."""
    depth = sum(key.startswith("W") for key in x)
    layers = []
    for k in range(depth):
        linear = mt.nn.Linear(*x[f"W{k}"].shape[::-1])
        linear.W, linear.b = x[f"W{k}"].copy(), x[f"b{k}"].copy()
        layers.append(linear)
        if k < depth - 1:
            layers.append(getattr(mt.nn, ACTIVATION_CLASSES[str(x["f"][k])])())
    net, linears, out = mt.nn.Sequential(*layers), layers[::2], {}

    def gradients(tag):
        for k, linear in enumerate(linears):
            out[f"{tag}/dLdW{k}"] = np.array(linear.dLdW, dtype=float)
            out[f"{tag}/dLdb{k}"] = np.array(linear.dLdb, dtype=float)
    out["Y1"] = np.array(net.forward(x["X1"].copy()), dtype=float)
    out["dLdX1"] = np.array(net.backward(x["g1"].copy()), dtype=float)
    gradients("pass1")
    out["dLdX2"] = np.array(net.backward(x["g2"].copy()), dtype=float)
    gradients("pass2")
    for linear in linears:
        linear.W -= float(x["lr"]) * linear.dLdW
        linear.b -= float(x["lr"]) * linear.dLdb
    out["Y2"] = np.array(net.forward(x["X2"].copy()), dtype=float)
    out["dLdX3"] = np.array(net.backward(x["g3"].copy()), dtype=float)
    gradients("pass3")
    return out, {k: v for k, v in out.items() if k.startswith("pass")}


def _network_mistakes(x, state):
    """Gradients added up: the second pass's dLdW is the sum of the first two."""
    hint = ("the second backward's gradients are the sum of both: backward must overwrite "
            "dLdW and dLdb (self.dLdW = ...), never add to them")
    return {k: [(hint, state[k] + state[k.replace("pass2", "pass1")])]
            for k in state if k.startswith("pass2/")}
