"""The REST contract: every operation once, served by the server and called by the SDK.

An :class:`Operation` names a method and path under ``/griffin/api/v1``, its pydantic request
and response models, and the service call that implements it. The server extension turns
operations into authenticated handlers, the SDK's two transports call them (in-process or over
HTTP), and the OpenAPI spec is generated from them.
"""

from .core import API_PREFIX, Operation, RequestContext, all_operations, operation

__all__ = ["API_PREFIX", "Operation", "RequestContext", "all_operations", "operation"]
