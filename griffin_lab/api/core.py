"""Operation: one REST route, described once."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..errors import InvalidInput

if TYPE_CHECKING:
    from ..platform import Platform

API_PREFIX = "/griffin/api/v1"
_PARAM = re.compile(r"\{([a-z_][a-z0-9_]*)\}")

# Modules that declare operations; each subsystem adds its ``api`` module here.
OPERATION_MODULES = ("griffin_lab.api.system", "griffin_lab.api.demo", "griffin_lab.api.features",
                     "griffin_lab.api.training", "griffin_lab.api.registry",
                     "griffin_lab.api.serving", "griffin_lab.api.monitoring",
                     "griffin_lab.api.launch")


@dataclass(frozen=True)
class RequestContext:
    """Who is calling (the Jupyter user over HTTP, the OS user in-process)."""

    actor: str


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    path: str
    summary: str
    tag: str
    response: Any
    call: Callable[..., Any]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    description: str = ""
    path_params: tuple[str, ...] = field(default=())

    @property
    def url_path(self) -> str:
        return API_PREFIX + self.path

    @property
    def route_pattern(self) -> str:
        """The tornado pattern of the path: ``{name}`` becomes a named group."""
        return _PARAM.sub(lambda m: f"(?P<{m.group(1)}>[^/]+)", self.url_path)

    @property
    def response_adapter(self) -> TypeAdapter[Any]:
        return _adapter(self.response)

    def parse_body(self, raw: bytes) -> BaseModel | None:
        """The request body as this operation's model; a 422 naming the field otherwise."""
        if self.body is None:
            return None
        if not raw.strip():
            raise InvalidInput(f"{self.method} {self.url_path} needs a JSON request body")
        try:
            return self.body.model_validate_json(raw)
        except ValidationError as exc:
            if any(e["type"] == "json_invalid" for e in exc.errors()):
                raise InvalidInput(
                    f"Request body is not valid JSON: {exc.errors()[0]['msg']}"
                ) from exc
            raise validation_error(exc, "body") from exc

    def invoke(
        self,
        platform: Platform,
        ctx: RequestContext,
        *,
        body: BaseModel | None = None,
        query: BaseModel | None = None,
        **path: str,
    ) -> Any:
        kwargs: dict[str, Any] = dict(path)
        if self.body is not None:
            kwargs["body"] = body
        if self.query is not None:
            kwargs["query"] = query if query is not None else self.query()
        return self.call(platform, ctx, **kwargs)


def validation_error(exc: ValidationError, where: str) -> InvalidInput:
    """A pydantic failure as a 422 naming the first failing field (and listing the rest)."""
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or where
    return InvalidInput(
        f"Invalid {where} field {loc!r}: {first['msg']}",
        field=loc,
        errors=[
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in exc.errors()[:20]
        ],
    )


@cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


_REGISTRY: dict[str, Operation] = {}


def operation(
    name: str,
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    response: Any,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the decorated ``fn(platform, ctx, **params)`` as a REST operation."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in _REGISTRY:
            raise RuntimeError(f"operation {name!r} declared twice")
        _REGISTRY[name] = Operation(
            name=name, method=method.upper(), path=path, summary=summary, tag=tag,
            response=response, call=fn, body=body, query=query,
            description=(fn.__doc__ or "").strip(), path_params=tuple(_PARAM.findall(path)),
        )
        return fn

    return register


@cache
def all_operations() -> dict[str, Operation]:
    for module in OPERATION_MODULES:
        importlib.import_module(module)
    return dict(_REGISTRY)
