"""Train an MLP with the reference mytorch on scikit-learn's digits (shipped, no download).

    python -m autograder train [--epochs 20] [--seed 0]

Softmax cross-entropy, SGD with momentum, one progress line per epoch.
"""
import time

import numpy as np

from ..parts.cases.training import TRAINING_FULL
from ..parts.data import digits_split
from .paths import reference


def accuracy(model, X, y):
    return float(np.mean(model.forward(X).argmax(axis=1) == y))


def train(mytorch, epochs=20, batch_size=32, lr=0.1, momentum=0.9, seed=0, log=print):
    """Train MLP([64, 128, 64, 10]) and return (model, test accuracy), measured once, at the end."""
    X_train, y_train, X_val, y_val, X_test, y_test = digits_split(seed)
    rng = np.random.default_rng(seed)
    model = mytorch.models.MLP([64, 128, 64, 10], "relu", rng=rng)
    loss_fn = mytorch.nn.CrossEntropyLoss()
    optimizer = mytorch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order, total = rng.permutation(len(y_train)), 0.0
        for i in range(0, len(order), batch_size):
            batch = order[i:i + batch_size]
            optimizer.zero_grad()
            total += loss_fn.forward(model.forward(X_train[batch]), y_train[batch]) * len(batch)
            model.backward(loss_fn.backward())
            optimizer.step()
        log(f"epoch {epoch:3d}  loss {total / len(order):.4f}  train acc "
            f"{accuracy(model, X_train, y_train):.3f}  validation acc {accuracy(model, X_val, y_val):.3f}"
            f"  ({time.perf_counter() - start:.1f} s)")
    return model, accuracy(model, X_test, y_test)


def main(args):
    model, acc = train(reference(), epochs=args.epochs, seed=args.seed)
    print(f"{model}\ntest accuracy {acc:.3f} on {len(digits_split(args.seed).y_test)} held-out digits")
    return 0 if acc >= TRAINING_FULL else 1


def add_parser(commands):
    p = commands.add_parser("train", help="train an MLP on scikit-learn's digits with the reference mytorch")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=main)
