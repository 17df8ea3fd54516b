"""Import a student's mytorch so that one broken file costs only what depends on it.

`import mytorch` fails as a whole when any module has a syntax error, because the package's
__init__ imports everything. `import_mytorch` tries the normal import first; if that fails it
imports each module on its own, and every name of a module that failed raises, on use, the
error that module raised. The notebooks' setup cells use it, so a syntax error in loss.py
still leaves Linear, the activations, SGD ... gradable.
"""
import importlib
import importlib.util
import sys
import types
from pathlib import Path


class Broken:
    """Stands in for a name whose module failed to import; using it raises that error."""

    def __init__(self, name, error):
        self._name, self._error = name, error

    def _fail(self, *args, **kwargs):
        raise ImportError(f"{self._name} is unavailable because {self._error}")

    __call__ = _fail

    def __getattr__(self, attr):
        self._fail()

    def __repr__(self):
        return f"<unavailable {self._name}: {self._error}>"


def _describe(path, e):
    where = f" (line {e.lineno})" if isinstance(e, SyntaxError) and e.lineno else ""
    return f"{path} failed to import: {type(e).__name__}{where}: {e}"


def import_mytorch(path):
    """The student's package in folder `path`, imported as `mytorch`, as far as it imports."""
    path = Path(path).resolve()
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    try:
        return importlib.import_module("mytorch")
    except Exception as e:
        first = _describe("mytorch", e)
    for key in [k for k in sys.modules if k == "mytorch" or k.startswith("mytorch.")]:
        del sys.modules[key]
    package = _partial(path, first)
    print("warning: " + "\n  ".join(package.import_errors)
          + "\n  so mytorch's modules were imported one by one: what needs a broken one will fail")
    return package


def _package(name, folder):
    """An empty package module: its __init__ is not run, its submodules import on their own."""
    module = types.ModuleType(name)
    module.__path__ = [str(folder)]
    module.__file__ = str(folder / "__init__.py")
    module.__package__ = name
    sys.modules[name] = module
    return module


def _partial(path, first_error):
    root = _package("mytorch", path)
    root.import_errors = [first_error]
    packages = {"mytorch": root}
    for file in sorted(path.rglob("*.py")):
        rel = file.relative_to(path).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"]
        for depth in range(1, len(parts)):               # parent packages first
            name = ".".join(["mytorch", *parts[:depth]])
            if name not in packages:
                packages[name] = _package(name, path.joinpath(*parts[:depth]))
                setattr(packages[".".join(["mytorch", *parts[:depth - 1]])], parts[depth - 1], packages[name])
    pending = [f.relative_to(path).with_suffix("") for f in sorted(path.rglob("*.py"))
               if f.stem != "__init__"]
    while pending:                    # a module may need one imported later (mlp.py needs nn)
        failed = {}
        for rel in pending:
            name = ".".join(["mytorch", *rel.parts])
            try:
                module = importlib.import_module(name)
            except Exception as e:
                sys.modules.pop(name, None)
                failed[rel] = _describe(f"mytorch/{rel.as_posix()}.py", e)
                continue
            parent = packages[name.rsplit(".", 1)[0]]
            setattr(parent, rel.name, module)
            for attr, value in vars(module).items():       # e.g. nn.Linear from nn/linear.py
                if not attr.startswith("_") and getattr(value, "__module__", None) == name:
                    setattr(parent, attr, value)
        if len(failed) == len(pending):
            break
        pending = list(failed)
    for rel, error in failed.items():
        name = ".".join(["mytorch", *rel.parts])
        root.import_errors.append(error)
        setattr(packages[name.rsplit(".", 1)[0]], rel.name, Broken(name, error))
    _expose_expected_names(packages)
    return root


def _expose_expected_names(packages):
    """Names the package's __init__ files would export but whose module failed: Broken stand-ins."""
    wanted = {"mytorch.nn": ["Linear", "Identity", "Sigmoid", "Tanh", "ReLU", "Softmax", "MSELoss",
                             "BCELoss", "CrossEntropyLoss", "Sequential", "Module", "Parameter"],
              "mytorch.optim": ["SGD"], "mytorch.models": ["MLP"]}
    for package, names in wanted.items():
        module = packages.get(package)
        if module is None:
            continue
        for name in names:
            if not hasattr(module, name):
                errors = "; ".join(packages["mytorch"].import_errors[1:]) or packages["mytorch"].import_errors[0]
                setattr(module, name, Broken(f"{package}.{name}", errors))
