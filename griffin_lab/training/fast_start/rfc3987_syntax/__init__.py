"""A stand-in for ``rfc3987_syntax`` that builds the real parser on first use.

Every Ray process imports ``jsonschema`` (``ray.runtime_env`` validates plugin schemas with it),
and ``jsonschema`` imports ``rfc3987_syntax`` for its ``iri`` formats whenever it is installed
(``jupyter-events`` asks for ``jsonschema[format-nongpl]``). That import compiles a Lark grammar:
1-2 s of CPU in every supervisor, entrypoint and worker process of a training job, for a format
check none of them makes. Griffin puts this folder first on the ``PYTHONPATH`` of the Ray
processes it starts. Importing this module costs nothing; the first call loads the real
package in its place, so an ``iri`` check still answers exactly as before.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from typing import Any

_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _real_spec() -> importlib.machinery.ModuleSpec | None:
    path = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
    return importlib.machinery.PathFinder.find_spec(__name__, path)


if _real_spec() is None:  # absent for real: behave as an absent package does
    raise ImportError(f"No module named {__name__!r}", name=__name__)

_real: Any = None


def _load() -> Any:
    """The real package, imported under its own name in place of this one."""
    global _real
    if _real is None:
        spec = _real_spec()
        if spec is None or spec.loader is None:
            raise ImportError(f"No module named {__name__!r}", name=__name__)
        module = importlib.util.module_from_spec(spec)
        stand_in = sys.modules.get(__name__)
        sys.modules[__name__] = module  # its own absolute imports find the real package
        try:
            spec.loader.exec_module(module)
        except BaseException:
            if stand_in is not None:
                sys.modules[__name__] = stand_in
            raise
        _real = module
    return _real


def is_valid_syntax(term: str, value: str) -> bool:
    return _load().is_valid_syntax(term, value)


def __getattr__(name: str) -> Any:
    return getattr(_load(), name)
