"""One handler class per API path; each HTTP method dispatches to its :class:`Operation`.

Every method is ``@web.authenticated`` and ``@authorized`` through Jupyter's own identity and
authorization providers. User errors become 4xx JSON answers with a message; anything else is
logged and answered 500 (a bug).
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from pydantic import BaseModel, ValidationError
from tornado import web

from ..api.core import Operation, RequestContext, validation_error
from ..errors import EngineUnavailable, GriffinError, InvalidInput

AUTH_RESOURCE = "griffin"


class GriffinHandler(APIHandler):
    """Base of every Griffin route."""

    auth_resource = AUTH_RESOURCE
    operations: dict[str, Operation] = {}

    @property
    def platform(self) -> Any:
        holder = self.settings["griffin"]
        return holder.get()

    def _actor(self) -> str:
        user = self.current_user
        name = getattr(user, "username", None) or getattr(user, "name", None)
        return str(name or "jupyter")

    def _query_arguments(self) -> dict[str, list[bytes]]:
        """Query arguments less a bare ``?<timestamp>`` (JupyterLab's cache-buster on GETs)."""
        return {
            k: v for k, v in self.request.query_arguments.items()
            if not (k.isdigit() and v == [b""])
        }

    def _parse_query(self, op: Operation) -> BaseModel | None:
        arguments = self._query_arguments()
        if op.query is None:
            if arguments:
                unknown = ", ".join(sorted(arguments))
                raise InvalidInput(f"{op.url_path} takes no query parameters (got: {unknown})")
            return None
        known = set(op.query.model_fields)
        unknown = sorted(set(arguments) - known)
        if unknown:
            raise InvalidInput(
                f"Unknown query parameter(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(known))}",
                field=unknown[0],
            )
        raw = {k: self.get_query_argument(k) for k in arguments}
        try:
            return op.query.model_validate(raw)
        except ValidationError as exc:
            raise validation_error(exc, "query") from exc

    async def _dispatch(self, method: str, path_kwargs: dict[str, str]) -> None:
        op = self.operations.get(method)
        if op is None:
            raise web.HTTPError(405)
        try:
            query = self._parse_query(op)
            body = op.parse_body(self.request.body or b"")
            platform = self.platform
            ctx = RequestContext(actor=self._actor())
            result = await asyncio.to_thread(
                op.invoke, platform, ctx, body=body, query=query, **path_kwargs
            )
            payload = op.response_adapter.dump_json(result, by_alias=True)
        except GriffinError as exc:
            self._error(exc.status_code, exc.to_dict())
            return
        except web.HTTPError:
            raise
        except Exception:
            self.log.exception("Griffin %s %s failed", method, self.request.path)
            self._error(500, {"type": "internal_error",
                              "message": "Internal error in Griffin Lab; see the server log"})
            return
        self.set_header("Content-Type", "application/json")
        self.finish(payload)

    def _error(self, status: int, error: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": error}))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Tornado-level errors (401/403/405...) in the same JSON shape as ours."""
        reason = self._reason or "error"
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = getattr(exc, "log_message", None) or reason
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": {"type": "http_error", "message": message}}))

    @web.authenticated
    @authorized
    async def get(self, **kw: str) -> None:
        await self._dispatch("GET", kw)

    @web.authenticated
    @authorized
    async def post(self, **kw: str) -> None:
        await self._dispatch("POST", kw)

    @web.authenticated
    @authorized
    async def put(self, **kw: str) -> None:
        await self._dispatch("PUT", kw)

    @web.authenticated
    @authorized
    async def patch(self, **kw: str) -> None:
        await self._dispatch("PATCH", kw)

    @web.authenticated
    @authorized
    async def delete(self, **kw: str) -> None:
        await self._dispatch("DELETE", kw)


class PlatformHolder:
    """Builds the platform on first use so a broken setting fails requests, not the server."""

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        self._platform: Any = None
        self._error: GriffinError | None = None

    def start(self) -> None:
        try:
            self._platform = self._factory()
            self._error = None
        except GriffinError as exc:
            self._error = exc

    def get(self) -> Any:
        if self._platform is None:
            self.start()
        if self._platform is None:
            assert self._error is not None
            raise EngineUnavailable(
                f"Griffin Lab could not start: {self._error.message}", **self._error.details
            )
        return self._platform

    @property
    def error(self) -> GriffinError | None:
        return self._error

    def close(self) -> None:
        if self._platform is not None:
            self._platform.close()


def build_handlers(operations: dict[str, Operation]) -> list[tuple[str, type[GriffinHandler]]]:
    """One handler class per path pattern, serving every method declared on that path."""
    by_path: dict[str, dict[str, Operation]] = defaultdict(dict)
    for op in operations.values():
        by_path[op.route_pattern][op.method] = op
    handlers = []
    for pattern, methods in sorted(by_path.items()):
        cls = type(
            f"Griffin{''.join(m.name.title().replace('_', '') for m in methods.values())}Handler",
            (GriffinHandler,),
            {"operations": methods},
        )
        handlers.append((pattern, cls))
    return handlers
