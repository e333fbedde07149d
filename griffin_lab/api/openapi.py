"""The OpenAPI 3.1 description, generated from the operations and their pydantic models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .. import __version__
from .core import all_operations

REF = "#/components/schemas/{model}"


class ErrorBody(BaseModel):
    type: str
    message: str
    field: str | None = None
    details: dict[str, Any] | None = None


class ErrorResponse(BaseModel):
    """What every 4xx/5xx answer carries."""

    error: ErrorBody


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "description": prop.get("description", ""),
            "schema": {k: v for k, v in prop.items() if k != "description"},
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def build_openapi() -> dict[str, Any]:
    ops = sorted(all_operations().values(), key=lambda o: (o.url_path, o.method))
    models: set[type[BaseModel]] = {ErrorResponse}
    for op in ops:
        # a response may be list[Model]: its item model needs a component too
        for tp in (op.body, op.response, *get_args(op.response)):
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                models.add(tp)
    keyed, defs = models_json_schema(
        [(m, "serialization") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template=REF,
    )
    schemas = defs.get("$defs", {})

    def schema_of(tp: Any) -> dict[str, Any]:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return keyed[(tp, "serialization")]
        from .core import _adapter

        return _adapter(tp).json_schema(ref_template=REF, mode="serialization")

    error = {
        "description": "A user error (4xx) or a server fault (5xx), with a message.",
        "content": {"application/json": {"schema": schema_of(ErrorResponse)}},
    }
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        entry: dict[str, Any] = {
            "operationId": op.name,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": [
                {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                for p in op.path_params
            ],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": schema_of(op.response)}},
                },
                "4XX": error,
            },
        }
        if op.description:
            entry["description"] = op.description
        if op.query is not None:
            entry["parameters"] += _query_parameters(op.query)
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schema_of(op.body)}},
            }
        paths.setdefault(op.url_path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Griffin Lab REST API",
            "version": __version__,
            "description": "Served by the Griffin Lab Jupyter server extension. Every route "
            "requires Jupyter authentication (an `Authorization: token …` header or the "
            "JupyterLab session).",
        },
        "security": [{"jupyterToken": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "jupyterToken": {"type": "apiKey", "in": "header", "name": "Authorization"}
            },
        },
    }


def render(spec: dict[str, Any]) -> str:
    """The committed form of the spec (stable key order, trailing newline)."""
    return json.dumps(spec, indent=2, sort_keys=True) + "\n"


def spec_path(root: Path | None = None) -> Path:
    root = root or Path(__file__).resolve().parents[2]
    return root / "server_ext" / "openapi.json"


def main() -> None:
    """``python -m griffin_lab.api.openapi [PATH]``: write the spec (default server_ext/)."""
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else spec_path()
    target.write_text(render(build_openapi()))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
