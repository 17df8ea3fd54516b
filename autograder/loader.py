"""Import a copy of `mytorch` from a folder, under a name of our choosing.

The reference, the stubs and each student's package are all called `mytorch`
on disk; loading them under distinct names lets one process hold several.
The library uses relative imports only, which is what makes this work.
"""
import importlib.util
import sys


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


def reference():
    """The reference library from solutions/mytorch, as module `mytorch_reference`."""
    from .paths import REFERENCE
    return load_package(REFERENCE, "mytorch_reference")
