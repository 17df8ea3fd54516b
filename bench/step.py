"""Time one training step of an MLP: reference mytorch vs PyTorch vs the bare GEMMs.

    python bench/step.py [--quick] [--repeats K] [--dtypes float64 float32] [--threads N]

The network is digits-like: MLP([64, H, H, H, 10]) with ReLU, CrossEntropyLoss on
integer labels, plain SGD. One step = zero_grad, forward, loss, backward, update
(the loop of autograder/train.py). Three contenders per (batch N, width H):

  mytorch  the reference library (solutions/mytorch), loaded as autograder.loader.reference()
  torch    the same network, weights and dtype in torch.nn (CPU), if torch is installed
  floor    only the matrix products that step needs, in numpy: per Linear layer
           Z = A W^T forward, dL/dW = dL/dZ^T A and dL/dA = dL/dZ W backward
           (eqs. 10.1-10.3), minus the first layer's dL/dA: 11 GEMMs in all

Timings are per step, the median over K blocks; each block runs enough steps to last
about --block seconds, and the contenders take turns block by block (the order rotates)
so that a noisy shared machine slows all three alike. `spread` is the largest
interquartile range of the three, relative to its median; a configuration above 25%
is measured again (--retries) and a row still above it is marked noisy. numpy's BLAS
and torch use the same number of threads (printed in the header).
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BATCHES, WIDTHS, D_IN, CLASSES, HIDDEN = (64, 512), (64, 256, 1024), 64, 10, 3
LR = 0.01
TARGET_FLOOR, TARGET_TORCH, TARGET_MIN_WIDTH = 1.3, 1.0, 256
NOISY = 0.25            # a spread above this means the machine was busy: rerun before trusting the row


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smoke run: 3 short blocks per contender")
    p.add_argument("--repeats", type=int, default=15, help="blocks per contender (K, default 15)")
    p.add_argument("--block", type=float, default=0.04, help="seconds per block (default 0.04)")
    p.add_argument("--settle", type=float, default=0.12,
                   help="pause before each block so idle BLAS threads stop spinning (default 0.12 s)")
    p.add_argument("--retries", type=int, default=2,
                   help="measure a noisy configuration again, up to this many times (default 2)")
    p.add_argument("--dtypes", nargs="+", default=["float64", "float32"],
                   choices=["float64", "float32"])
    p.add_argument("--threads", type=int, default=None,
                   help="threads for numpy's BLAS and torch (default: numpy's BLAS default)")
    args = p.parse_args(argv)
    if args.quick:
        args.repeats, args.block, args.settle, args.retries = 3, 0.01, 0.02, 0
    return args


def set_threads(n):
    """Fix the thread count of both libraries; return a line saying what was used."""
    import numpy as np  # noqa: F401  (loads OpenBLAS, so threadpoolctl can see it)
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:                                   # env vars were set before numpy's import
        blas = n or int(os.environ.get("OPENBLAS_NUM_THREADS", os.cpu_count()))
        how = "OPENBLAS_NUM_THREADS (threadpoolctl not installed)"
    else:
        if n:
            threadpool_limits(limits=n, user_api="blas")
        pools = [i for i in threadpool_info() if i["user_api"] == "blas"]
        blas = pools[0]["num_threads"]
        how = f"threadpoolctl: {pools[0]['internal_api']} {pools[0]['version']}"
    line = f"numpy BLAS threads {blas} ({how})"
    try:
        import torch
    except ImportError:
        return line + "; torch not installed"
    torch.set_num_threads(blas)
    return line + f"; torch.set_num_threads({blas}) -> {torch.get_num_threads()}"


def contenders(np, mt, torch, N, H, dtype, seed=0):
    """{name: step function} for one configuration, all on the same weights and data."""
    rng = np.random.default_rng(seed)
    sizes = [D_IN] + [H] * HIDDEN + [CLASSES]
    X = rng.standard_normal((N, D_IN)).astype(dtype)
    y = rng.integers(0, CLASSES, size=N)

    model = mt.models.MLP(sizes, "relu", rng=rng)
    for p in model.parameters():
        p.data = p.data.astype(dtype)
    loss_fn = mt.nn.CrossEntropyLoss()
    opt = mt.optim.SGD(model.parameters(), lr=LR)

    def mytorch():
        opt.zero_grad()
        loss = loss_fn.forward(model.forward(X), y)
        model.backward(loss_fn.backward())
        opt.step()
        return loss

    # The floor: the same GEMMs on arrays of the same shapes, layouts and dtype.
    Ws = [rng.standard_normal((o, i)).astype(dtype) for i, o in zip(sizes[:-1], sizes[1:])]
    As = [X] + [rng.standard_normal((N, i)).astype(dtype) for i in sizes[1:-1]]
    dZs = [rng.standard_normal((N, o)).astype(dtype) for o in sizes[1:]]

    def floor():
        for A, W in zip(As, Ws):
            A @ W.T                                        # Z = A W^T         (10.1)
        for k in reversed(range(len(Ws))):
            dZs[k].T @ As[k]                               # dL/dW = dL/dZ^T A (10.3)
            if k:
                dZs[k] @ Ws[k]                             # dL/dA = dL/dZ W   (10.2)

    steps = {"mytorch": mytorch, "floor": floor}
    if torch is None:
        return steps

    tdtype = getattr(torch, dtype)
    linears = [torch.nn.Linear(i, o, dtype=tdtype) for i, o in zip(sizes[:-1], sizes[1:])]
    with torch.no_grad():
        for lin, mine in zip(linears, model.layers[::2]):
            lin.weight.copy_(torch.from_numpy(mine.W))
            lin.bias.copy_(torch.from_numpy(mine.b))
    layers = [m for lin in linears for m in (lin, torch.nn.ReLU())][:-1]
    tmodel = torch.nn.Sequential(*layers)
    tloss_fn = torch.nn.CrossEntropyLoss()
    topt = torch.optim.SGD(tmodel.parameters(), lr=LR)
    tX, ty = torch.from_numpy(X), torch.from_numpy(y)

    def torch_step():
        topt.zero_grad()
        loss = tloss_fn(tmodel(tX), ty)
        loss.backward()
        topt.step()
        return loss.item()

    # Same network, same numbers: the first losses must agree before we time anything.
    mine, theirs = mytorch(), torch_step()
    tol = 1e-9 if dtype == "float64" else 1e-4
    if abs(mine - theirs) > tol * max(1.0, abs(mine)):
        raise AssertionError(f"N={N} H={H} {dtype}: first loss differs, mytorch {mine} torch {theirs}")
    steps["torch"] = torch_step
    return steps


def block_time(step, n, settle):
    """Seconds per step over n steps, after letting the other library's threads go idle.

    numpy's OpenBLAS threads keep spinning for about 0.1 s after their last product
    (torch's OpenMP threads briefly too); on 2 cores that halves the speed of whoever
    runs next, so each block starts with a pause and one untimed step.
    """
    time.sleep(settle)
    step()
    start = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - start) / n


def measure(steps, repeats, block, settle):
    """{name: (median seconds per step, relative IQR)}, contenders interleaved block by block."""
    names = list(steps)
    inner = {name: max(1, round(block / block_time(steps[name], 3, settle))) for name in names}
    times = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            times[name].append(block_time(steps[name], inner[name], settle))
    result = {}
    for name, ts in times.items():
        q = statistics.quantiles(ts, n=4, method="inclusive")
        result[name] = (q[1], (q[2] - q[0]) / q[1])
    return result


def verdict(H, r_floor, r_torch, spread):
    noisy = " (noisy)" if spread > NOISY else ""
    if H < TARGET_MIN_WIDTH:
        return "-" + noisy
    misses = []
    if r_floor > TARGET_FLOOR:
        misses.append(f"my/floor>{TARGET_FLOOR}")
    if r_torch is not None and r_torch > TARGET_TORCH:
        misses.append(f"my/torch>{TARGET_TORCH}")
    return ("MISS " + ",".join(misses) if misses else "ok") + noisy


def main(argv=None):
    args = parse_args(argv)
    if args.threads:                                      # before numpy / torch load their pools
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    threads = set_threads(args.threads)
    import numpy as np
    try:
        import torch
    except ImportError:
        torch = None
    sys.path.insert(0, str(ROOT))
    from autograder.course.paths import reference
    mt = reference()

    print(f"# bench/step.py {' '.join(sys.argv[1:] if argv is None else argv)}")
    print(f"# MLP([{D_IN}, H, H, H, {CLASSES}]) ReLU, CrossEntropyLoss, SGD(lr={LR}); "
          f"median of {args.repeats} blocks of ~{args.block} s, interleaved, {args.settle} s pause before each")
    print(f"# numpy {np.__version__}, torch {torch.__version__ if torch else 'n/a'}; {threads}")
    print(f"# load average at start {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    head = (f"{'dtype':8} {'N':>4} {'H':>5} {'floor ms':>9} {'mytorch ms':>10} {'torch ms':>9} "
            f"{'my/floor':>8} {'torch/floor':>11} {'my/torch':>8} {'spread':>6}  target")
    print(head)
    print("-" * len(head))
    for dtype in args.dtypes:
        for N in BATCHES:
            for H in WIDTHS:
                steps = contenders(np, mt, torch, N, H, dtype)
                t, spread = None, float("inf")
                for _ in range(1 + args.retries):         # keep the quietest of the attempts
                    attempt = measure(steps, args.repeats, args.block, args.settle)
                    attempt_spread = max(s for _, s in attempt.values())
                    if attempt_spread < spread:
                        t, spread = attempt, attempt_spread
                    if spread <= NOISY:
                        break
                floor, mine = t["floor"][0], t["mytorch"][0]
                if "torch" in t:
                    theirs = t["torch"][0]
                    r_torch = mine / theirs
                    torch_cols = f"{theirs * 1e3:9.3f} {mine / floor:8.2f} {theirs / floor:11.2f} {r_torch:8.2f}"
                else:
                    r_torch = None
                    torch_cols = f"{'n/a':>9} {mine / floor:8.2f} {'n/a':>11} {'n/a':>8}"
                print(f"{dtype:8} {N:4d} {H:5d} {floor * 1e3:9.3f} {mine * 1e3:10.3f} {torch_cols} "
                      f"{spread:6.0%}  {verdict(H, mine / floor, r_torch, spread)}", flush=True)
    print(f"# load average at end {os.getloadavg()[0]:.2f}; targets at H >= {TARGET_MIN_WIDTH}: "
          f"my/floor <= {TARGET_FLOOR}, my/torch <= {TARGET_TORCH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
