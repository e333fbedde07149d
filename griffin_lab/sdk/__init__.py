"""The SDK: ``griffin_lab.connect()`` returns a :class:`Client` with one interface over two
transports (in-process platform, or HTTP to a Jupyter server)."""

from .client import Client, connect
from .transport import HttpTransport, InProcessTransport, Transport

__all__ = ["Client", "HttpTransport", "InProcessTransport", "Transport", "connect"]
