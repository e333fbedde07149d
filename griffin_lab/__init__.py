"""Griffin Lab: a notebook-first ML platform that lives inside JupyterLab.

Importing this package is cheap on purpose: heavy engines (Ray, Feast, BentoML,
TensorFlow, PyTorch) are imported inside the functions that need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    from ._version import __version__
except ImportError:  # a source checkout that was never built
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("griffin-lab")
    except PackageNotFoundError:
        __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    from .sdk.client import Client

__all__ = ["__version__", "connect", "load_ipython_extension", "unload_ipython_extension"]


def connect(url: str | None = None, token: str | None = None, **settings: Any) -> Client:
    """Return a :class:`~griffin_lab.sdk.client.Client`.

    With no ``url`` (and no ``GRIFFIN_URL`` in the environment) the platform runs
    in-process on the embedded defaults; with a URL the client talks HTTP to a
    Jupyter server running the Griffin server extension.
    """
    from .sdk.client import connect as _connect

    return _connect(url=url, token=token, **settings)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext griffin_lab``: register the ``%griffin`` and ``%%griffin`` magics."""
    from .notebook.magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .notebook.magics import unload_ipython_extension as _unload

    _unload(ipython)


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .server.app import GriffinExtension

    return [{"module": "griffin_lab.server.app", "app": GriffinExtension}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "griffin-lab"}]
