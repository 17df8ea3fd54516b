"""Import a copy of `mytorch`: under a name of our choosing, or as far as a broken one imports.

`load_package(path, name)`: the reference, the stubs and each student's package are all
called `mytorch` on disk; loading them under distinct names lets one process hold several.
The library uses relative imports only, which is what makes this work.

`import_mytorch(path)`: a student's mytorch, so that one broken file costs only what depends on it.

`import mytorch` fails as a whole when any module has a syntax error, because the package's
__init__ imports everything. `import_mytorch` tries the normal import first; if that fails it
imports each module on its own, and every name of a module that failed raises, on use, the
error that module raised. The notebooks' setup cells use it, so a syntax error in loss.py
still leaves Linear, the activations, SGD ... gradable.
"""
import ast
import importlib
import importlib.util
import sys
import types
from pathlib import Path


def load_package(path, name):
    """Import the package in folder `path` as module `name` (reloaded if already imported)."""
    for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
        del sys.modules[key]
    spec = importlib.util.spec_from_file_location(
        name, path / "__init__.py", submodule_search_locations=[str(path)])
    if spec is None:
        raise ImportError(f"no Python package at {path} (is {path / '__init__.py'} missing?)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


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
    """"mytorch/nn/loss.py failed to import: SyntaxError at mytorch/nn/loss.py:54: ..." """
    if isinstance(e, SyntaxError) and e.lineno:
        return f"{path} failed to import: {type(e).__name__} at {path}:{e.lineno}: {e.msg}"
    from ..parts.run import where
    return f"{path} failed to import: {type(e).__name__}{where(e)}: {e}"


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


def _exported_names(init_file):
    """The names an __init__.py imports from its submodules (`from .x import A, B`), read
    without running it; none if it does not parse."""
    try:
        tree = ast.parse(Path(init_file).read_text())
    except (OSError, SyntaxError, ValueError):
        return []
    return [alias.asname or alias.name for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
            for alias in node.names]


def _expose_expected_names(packages):
    """Names the package's __init__ files would export but whose module failed: Broken stand-ins."""
    errors = "; ".join(packages["mytorch"].import_errors[1:]) or packages["mytorch"].import_errors[0]
    for package, module in packages.items():
        for name in _exported_names(Path(module.__file__)):
            if not hasattr(module, name):
                setattr(module, name, Broken(f"{package}.{name}", errors))
