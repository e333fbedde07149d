"""Two transports with one contract: ``call(operation_name, body=, query=, **path)``.

Both return the operation's response model, validated the same way, and both raise
:class:`~griffin_lab.errors.GriffinError` subclasses for user errors.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from ..api.core import API_PREFIX, Operation, RequestContext, all_operations
from ..errors import EngineUnavailable, GriffinError, InvalidInput, from_remote

if TYPE_CHECKING:
    import httpx

    from ..platform import Platform


class Transport(Protocol):
    kind: str

    def call(
        self, operation: str, /, *, body: BaseModel | None = None,
        query: BaseModel | None = None, **path: str,
    ) -> Any: ...

    def close(self) -> None: ...


def _operation(name: str) -> Operation:
    try:
        return all_operations()[name]
    except KeyError:
        raise InvalidInput(f"Unknown Griffin operation {name!r}") from None


class InProcessTransport:
    """Runs the platform in this process (the embedded default)."""

    kind = "in-process"

    def __init__(self, platform: Platform, actor: str | None = None) -> None:
        from ..platform import default_actor

        self.platform = platform
        self.ctx = RequestContext(actor=actor or default_actor())

    def call(
        self, operation: str, /, *, body: BaseModel | None = None,
        query: BaseModel | None = None, **path: str,
    ) -> Any:
        op = _operation(operation)
        result = op.invoke(self.platform, self.ctx, body=body, query=query, **path)
        # The same validation the HTTP transport applies to what the server sent.
        return op.response_adapter.validate_python(result, from_attributes=True)

    def close(self) -> None:
        self.platform.close()

    def describe(self) -> str:
        return f"in-process platform (home {self.platform.settings.home})"


class HttpTransport:
    """Talks to a Jupyter server that runs the Griffin server extension."""

    kind = "http"

    def __init__(self, url: str, token: str | None = None, timeout: float = 60.0) -> None:
        import httpx

        self.url = url.rstrip("/")
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"token {token}"
        self._client: httpx.Client = httpx.Client(headers=headers, timeout=timeout)

    def call(
        self, operation: str, /, *, body: BaseModel | None = None,
        query: BaseModel | None = None, **path: str,
    ) -> Any:
        import httpx

        op = _operation(operation)
        route = op.path.format(**{k: quote(str(v), safe="") for k, v in path.items()})
        params = query.model_dump(mode="json", exclude_none=True) if query is not None else None
        content = body.model_dump_json() if body is not None else None
        try:
            response = self._client.request(
                op.method, f"{self.url}{API_PREFIX}{route}", params=params, content=content,
                headers={"Content-Type": "application/json"} if content else None,
            )
        except httpx.HTTPError as exc:
            raise EngineUnavailable(
                f"Cannot reach the Griffin server at {self.url}: {type(exc).__name__}: {exc}"
            ) from exc
        if response.status_code >= 400:
            raise self._error(response)
        try:
            return op.response_adapter.validate_json(response.content)
        except ValidationError as exc:
            raise GriffinError(
                f"The server at {self.url} answered {op.name} with an unexpected shape "
                f"(is it running a different Griffin Lab version?): {exc.errors()[0]['msg']}"
            ) from exc

    def _error(self, response: httpx.Response) -> GriffinError:
        try:
            error = response.json()["error"]
            kind, message = error.get("type", "http_error"), error["message"]
            extra = dict(error.get("details") or {})
            if error.get("field") is not None:
                extra["field"] = error["field"]
        except (ValueError, KeyError, TypeError):
            kind, message, extra = "http_error", response.text[:300] or response.reason_phrase, {}
        if response.status_code in (401, 403):
            message = (
                f"The Griffin server at {self.url} refused the request "
                f"(HTTP {response.status_code}): check GRIFFIN_TOKEN. {message}"
            )
        return from_remote(response.status_code, kind, message, **extra)

    def close(self) -> None:
        self._client.close()

    def describe(self) -> str:
        return f"Griffin server at {self.url}"


def transport_from_env(
    url: str | None = None, token: str | None = None, **settings: Any
) -> Transport:
    url = url or os.environ.get("GRIFFIN_URL")
    if url:
        token = token or os.environ.get("GRIFFIN_TOKEN") or os.environ.get("JUPYTER_TOKEN")
        return HttpTransport(url, token)
    from ..platform import Platform

    return InProcessTransport(Platform.from_settings(**settings))
