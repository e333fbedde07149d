"""Loading YAML specs into pydantic models, with errors that name the field and the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from .errors import InvalidInput

M = TypeVar("M")


def _line_of(root: Any, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML node at ``loc`` (or of its nearest existing parent)."""
    import yaml

    node, line = root, getattr(getattr(root, "start_mark", None), "line", None)
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                key = next((k for k, _ in node.value if k.value == part), None)
                return (key.start_mark.line + 1) if key is not None else (
                    None if line is None else line + 1)
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
        else:
            break
        line = node.start_mark.line
    return None if line is None else line + 1


def error_location(exc: ValidationError, data: Any) -> tuple[str, tuple[Any, ...], str]:
    """The first error as (dotted field, location in the input, message).

    Discriminated unions put the chosen tag in front of the location (``lightgbm.params``);
    it is not a key of the input, so it is dropped. A bad tag names the discriminator.
    """
    first = exc.errors()[0]
    loc = tuple(first["loc"])
    if loc and isinstance(data, dict) and isinstance(loc[0], str) and loc[0] not in data:
        loc = loc[1:]
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        loc = (*loc, str(first.get("ctx", {}).get("discriminator", "")).strip("'"))
    return ".".join(str(p) for p in loc), loc, first["msg"]


def validate_data(data: Any, model: Any) -> Any:
    """Validate ``data`` as ``model`` (a pydantic model or any annotated type)."""
    validator = getattr(model, "model_validate", None)
    return validator(data) if validator is not None else TypeAdapter(model).validate_python(data)


def load_yaml(source: str | Path, model: type[M] | Any, *, what: str = "spec") -> M:
    """Parse YAML text or a file and validate it as ``model``."""
    import yaml

    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source
                                    and source.endswith((".yaml", ".yml"))):
        path = Path(source)
        if not path.is_file():
            raise InvalidInput(f"{what} file {str(path)!r} does not exist")
        text, name = path.read_text(), path.name
    else:
        text, name = str(source), what
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise InvalidInput(f"{name} is not valid YAML{where}: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{name} must be a YAML mapping of fields")
    try:
        return validate_data(data, model)
    except ValidationError as exc:
        field, loc, msg = error_location(exc, data)
        line = _line_of(root, loc)
        where = f" (line {line})" if line else ""
        raise InvalidInput(f"{name}: field {field!r}{where}: {msg}", field=field,
                           line=line) from exc
