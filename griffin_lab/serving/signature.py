"""Request validation against a model version's signature, on the serving hot path.

A :class:`RequestValidator` turns a JSON request body into what the model takes, in the
signature's column order, or raises an :class:`InvalidInput` whose ``field`` names the
problem (``instances[3].basket_size``, ``inputs.orders``, ``body``...).

Accepted bodies:

- tabular signatures (named scalar fields): rows ``{"instances": [{"f1": 1.0, ...}, ...]}``
  or columns ``{"inputs": {"f1": [...], ...}}``; the result is a C-ordered float64 matrix
  when every field is numeric, else a pandas DataFrame with one typed column per field;
- one ``tensor`` input (Keras): ``{"instances": [<one example>, ...]}`` or
  ``{"inputs": [[...], ...]}``; the result is a float32 array whose shape matches the
  signature's (``-1`` = any);
- beside ``instances`` or ``inputs``, optional ``"ids"``: one string or integer per row
  (``take_ids`` removes them before validation, ``check_ids`` counts them);
- text generation (prompt -> completion): ``{"prompts": ["..."], "max_new_tokens": 32,
  "temperature": 0.0, "top_p": 1.0}``, ``{"prompt": "..."}`` or
  ``{"instances": [{"prompt": "..."}]}``; the result is a :class:`TextRequest`.

A field may be declared ``"nullable": true`` in the signature; otherwise ``null`` and NaN
are refused. The number of rows per request is capped (``max_rows``).

This module needs only numpy (pandas for non-numeric tables), so a Bento carries its own
copy; when ``griffin_lab`` is importable its ``InvalidInput`` is used.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

try:
    from griffin_lab.errors import InvalidInput
except ImportError:  # the copy inside a Bento, where griffin_lab may not be installed

    class InvalidInput(ValueError):  # type: ignore[no-redef]
        status_code = 422
        kind = "invalid_input"

        def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
            super().__init__(message)
            self.message, self.field, self.details = message, field, details

        def to_dict(self) -> dict[str, Any]:
            body: dict[str, Any] = {"type": self.kind, "message": self.message}
            if self.field is not None:
                body["field"] = self.field
            return body


MAX_ROWS = 10_000
MAX_PROMPTS = 64
MAX_PROMPT_CHARS = 8_000
MAX_NEW_TOKENS = 1_024

_NUMERIC = {"float32": np.float64, "float64": np.float64, "int32": np.int64, "int64": np.int64}
_INT_RANGE = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_ALLOWED: dict[str, tuple[type, ...]] = {
    "float32": (float, int), "float64": (float, int), "int32": (int,), "int64": (int,),
    "bool": (bool,), "string": (str,), "bytes": (str,), "datetime": (str,),
}
_JSON_NAMES = {float: "a number", int: "an integer", bool: "a boolean", str: "a string",
               list: "a list", dict: "an object", type(None): "null"}
_TEXT_PARAMS = ("max_new_tokens", "temperature", "top_p")


def bad_request(message: str, field: str = "body") -> InvalidInput:
    """A body that is not a request at all (not JSON, not an object): HTTP 400."""
    error = InvalidInput(message, field=field)
    error.status_code = 400
    return error


def _kind(value: Any) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (str, int, float, bool)) else _kind(value)
    return text if len(text) <= 40 else text[:37] + "..."


def take_ids(data: dict[str, Any]) -> list[Any] | None:
    """Remove and return the request's optional ``ids`` (one string or integer per row)."""
    if "ids" not in data:
        return None
    ids = data.pop("ids")
    if not isinstance(ids, list) or not all(
            isinstance(i, str) or (isinstance(i, int) and not isinstance(i, bool)) for i in ids):
        raise InvalidInput("'ids' must be a list of strings or integers, one per row",
                           field="ids")
    if any(isinstance(i, str) and len(i) > 200 for i in ids):
        raise InvalidInput("an id is longer than 200 characters", field="ids")
    return ids


def check_ids(ids: list[Any] | None, rows: int) -> None:
    if ids is not None and len(ids) != rows:
        raise InvalidInput(f"'ids' has {len(ids)} values for {rows} rows: give one per row",
                           field="ids")


@dataclass(frozen=True)
class TextRequest:
    """A validated text generation request."""

    prompts: list[str]
    max_new_tokens: int = 32
    temperature: float = 0.0
    top_p: float = 1.0


@dataclass(frozen=True)
class _Field:
    name: str
    type: str
    nullable: bool
    shape: tuple[int, ...] | None


class RequestValidator:
    """Check request bodies against ``signature`` (a dict or a pydantic ``Signature``).

    ``text=True`` forces the text generation form, ``False`` forbids it; by default a
    signature whose only input is a string named ``prompt`` (or whose ``task`` is
    ``text-generation``) is a text signature.
    """

    def __init__(self, signature: Any, *, max_rows: int = MAX_ROWS,
                 text: bool | None = None, max_new_tokens: int = MAX_NEW_TOKENS) -> None:
        if hasattr(signature, "model_dump"):
            signature = signature.model_dump()
        if not isinstance(signature, dict) or not signature.get("inputs"):
            raise InvalidInput("the version has no signature inputs: register it with a "
                               "signature to serve it", field="signature")
        fields = []
        for spec in signature["inputs"]:
            kind = spec.get("type")
            if kind not in _ALLOWED and kind != "tensor":
                raise InvalidInput(f"signature input {spec.get('name')!r} has an unknown type "
                                   f"{kind!r}", field="signature")
            shape = spec.get("shape")
            fields.append(_Field(str(spec["name"]), kind, bool(spec.get("nullable", False)),
                                 tuple(int(d) for d in shape) if shape else None))
        self.fields = fields
        self.names = [f.name for f in fields]
        self._keys = set(self.names)
        self.max_rows = max_rows
        self.max_new_tokens = max_new_tokens
        if text is None:
            text = signature.get("task") == "text-generation" or (
                len(fields) == 1 and fields[0].type == "string" and fields[0].name == "prompt")
        tensors = [f for f in fields if f.type == "tensor"]
        if text:
            self.kind = "text"
        elif tensors:
            if len(fields) > 1:
                raise InvalidInput("signatures with a tensor input and other inputs are not "
                                   "served yet: give one tensor input", field="signature")
            self.kind = "tensor"
        else:
            self.kind = "tabular"
        self.numeric = all(f.type in _NUMERIC for f in fields)
        self.nullable = {f.name for f in fields if f.nullable}
        self._by_name = {f.name: f for f in fields}

    # -- entry point -------------------------------------------------------------------------
    def parse(self, body: bytes | str) -> dict[str, Any]:
        """The JSON object in ``body``, or a 400 error."""
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_request(f"the request body is not valid JSON ({exc}); send a JSON "
                              f"object like {self.example()}") from None
        if not isinstance(data, dict):
            raise bad_request(f"the request body must be a JSON object like {self.example()}, "
                              f"not {_kind(data)}")
        return data

    def validate(self, body: bytes | str | dict[str, Any]) -> Any:
        """The model input for ``body``: a float64 matrix or a DataFrame (tabular), a float32
        array (tensor) or a :class:`TextRequest` (text)."""
        data = body if isinstance(body, dict) else self.parse(body)
        if self.kind == "text":
            return self._text(data)
        if "instances" in data:
            self._only(data, "instances")
            rows = data["instances"]
            if self.kind == "tensor":
                return self._tensor(rows, "instances")
            return self._rows(rows)
        if "inputs" in data:
            self._only(data, "inputs")
            if self.kind == "tensor":
                columns = data["inputs"]
                if isinstance(columns, dict) and list(columns) == self.names:
                    return self._tensor(columns[self.names[0]], f"inputs.{self.names[0]}")
                return self._tensor(columns, "inputs")
            return self._columns(data["inputs"])
        raise InvalidInput(f"the body has no 'instances' (rows) or 'inputs' (columns); send "
                           f"{self.example()}", field="instances")

    def example(self) -> str:
        if self.kind == "text":
            return '{"prompts": ["..."], "max_new_tokens": 32}'
        if self.kind == "tensor":
            return '{"instances": [[...], ...]}'
        cells = ", ".join(f'"{n}": ...' for n in self.names[:3])
        return '{"instances": [{' + cells + (", ..." if len(self.names) > 3 else "") + "}]}"

    # -- checks ------------------------------------------------------------------------------
    def _only(self, data: dict[str, Any], key: str) -> None:
        if len(data) > 1:
            other = sorted(k for k in data if k != key)
            raise InvalidInput(f"unknown field {other[0]!r} beside {key!r}: a request has "
                               f"either 'instances' or 'inputs' and nothing else",
                               field=other[0])

    def _count(self, n: int, field: str) -> None:
        if n == 0:
            raise InvalidInput("the request has no rows", field=field)
        if n > self.max_rows:
            raise InvalidInput(f"{n} rows is more than the {self.max_rows} allowed per "
                               "request; split the batch", field=field, rows=n,
                               max_rows=self.max_rows)

    def _rows(self, rows: Any) -> Any:
        if not isinstance(rows, list):
            raise InvalidInput(f"'instances' must be a list of objects, not {_kind(rows)}",
                               field="instances")
        self._count(len(rows), "instances")
        names, keys = self.names, self._keys
        matrix = []
        append = matrix.append
        for i, row in enumerate(rows):
            if type(row) is not dict:
                raise InvalidInput(f"instances[{i}] must be an object with the fields "
                                   f"{', '.join(names)}, not {_kind(row)}",
                                   field=f"instances[{i}]")
            if row.keys() != keys:
                self._keys_error(row.keys(), f"instances[{i}]")
            append([row[n] for n in names])
        if self.numeric:
            types = set(map(type, chain.from_iterable(matrix)))
            if types <= {float, int}:
                array = np.array(matrix, dtype=np.float64)
                self._finite(array, lambda j, c: f"instances[{j}].{names[c]}")
                return array
        columns = [list(col) for col in zip(*matrix, strict=True)]
        return self._typed(columns, lambda j, c: f"instances[{j}].{names[c]}")

    def _columns(self, columns: Any) -> Any:
        if not isinstance(columns, dict):
            raise InvalidInput(f"'inputs' must be an object of columns "
                               f"{{name: [values...]}}, not {_kind(columns)}", field="inputs")
        if columns.keys() != self._keys:
            self._keys_error(columns.keys(), "inputs")
        lists = [columns[n] for n in self.names]
        n = None
        for name, values in zip(self.names, lists, strict=True):
            if not isinstance(values, list):
                raise InvalidInput(f"inputs.{name} must be a list of values (one per row), "
                                   f"not {_kind(values)}", field=f"inputs.{name}")
            if n is None:
                n = len(values)
                self._count(n, f"inputs.{name}")
            elif len(values) != n:
                raise InvalidInput(f"inputs.{name} has {len(values)} values but "
                                   f"inputs.{self.names[0]} has {n}: every column needs one "
                                   "value per row", field=f"inputs.{name}")
        names = self.names
        if self.numeric:
            types = set(map(type, chain.from_iterable(lists)))
            if types <= {float, int}:
                array = np.array(lists, dtype=np.float64).T.copy()
                self._finite(array, lambda j, c: f"inputs.{names[c]}[{j}]")
                return array
        return self._typed(lists, lambda j, c: f"inputs.{names[c]}[{j}]")

    def _keys_error(self, got: Any, where: str) -> None:
        missing = [n for n in self.names if n not in got]
        unknown = sorted(k for k in got if k not in self._keys)
        if missing:
            raise InvalidInput(f"{where} is missing the field {missing[0]!r}"
                               + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
                               + f"; the model takes {', '.join(self.names)}",
                               field=f"{where}.{missing[0]}", missing=missing)
        raise InvalidInput(f"{where} has an unknown field {unknown[0]!r}; the model takes "
                           f"{', '.join(self.names)}", field=f"{where}.{unknown[0]}",
                           unknown=unknown)

    def _finite(self, array: np.ndarray, where: Any) -> None:
        """NaN/Infinity (JSON extensions Python accepts) only in nullable fields."""
        bad = ~np.isfinite(array)
        if bad.any():
            for j, c in zip(*np.nonzero(bad), strict=True):
                if not (self.fields[c].nullable and math.isnan(array[j, c])):
                    raise InvalidInput(f"{where(j, c)} is {array[j, c]}: the field "
                                       f"{self.names[c]!r} takes finite numbers",
                                       field=where(j, c))

    def _typed(self, columns: list[list[Any]], where: Any) -> Any:
        """Per-column type checks; a float64 matrix when all numeric, else a DataFrame."""
        out = {}
        for c, (spec, values) in enumerate(zip(self.fields, columns, strict=True)):
            allowed = _ALLOWED[spec.type]
            types = set(map(type, values))
            nulls = type(None) in types
            if nulls and not spec.nullable:
                j = next(j for j, v in enumerate(values) if v is None)
                raise InvalidInput(f"{where(j, c)} is null, but the field {spec.name!r} is "
                                   "required (not nullable)", field=where(j, c))
            types.discard(type(None))
            if not types <= set(allowed):
                j, v = next((j, v) for j, v in enumerate(values)
                            if v is not None and type(v) not in allowed)
                raise InvalidInput(f"{where(j, c)} is {_show(v)} ({_kind(v)}), but the field "
                                   f"{spec.name!r} is {spec.type}", field=where(j, c),
                                   expected=spec.type)
            out[spec.name] = self._column(spec, values, nulls, c, where)
        if self.numeric:
            return np.column_stack([np.asarray(v, dtype=np.float64) for v in out.values()])
        import pandas as pd

        return pd.DataFrame(out, columns=self.names)

    def _column(self, spec: _Field, values: list[Any], nulls: bool, c: int, where: Any) -> Any:
        if spec.type in ("float32", "float64"):
            array = np.array(values, dtype=np.float64)
            if not spec.nullable:
                self._finite_column(array, spec, c, where)
            return array
        if spec.type in _INT_RANGE:
            if nulls:  # nullable integers become floats with NaN
                return np.array(values, dtype=np.float64)
            low, high = _INT_RANGE[spec.type]
            for j, v in enumerate(values):
                if not low <= v <= high:
                    raise InvalidInput(f"{where(j, c)} = {v} is out of the {spec.type} range",
                                       field=where(j, c))
            return np.array(values, dtype=np.int64 if spec.type == "int64" else np.int32)
        if spec.type == "datetime":
            import pandas as pd

            try:
                return pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601",
                                      utc=True)
            except (ValueError, TypeError):
                for j, v in enumerate(values):
                    try:
                        pd.Timestamp(v)
                    except (ValueError, TypeError):
                        raise InvalidInput(f"{where(j, c)} = {_show(v)} is not an ISO 8601 "
                                           "date-time", field=where(j, c)) from None
                raise InvalidInput(f"the field {spec.name!r} has values that are not ISO "
                                   "8601 date-times", field=spec.name) from None
        if spec.type == "bool" and not nulls:
            return np.array(values, dtype=bool)
        return np.array(values, dtype=object)

    def _finite_column(self, array: np.ndarray, spec: _Field, c: int, where: Any) -> None:
        bad = ~np.isfinite(array)
        if bad.any():
            j = int(np.nonzero(bad)[0][0])
            raise InvalidInput(f"{where(j, c)} is {array[j]}: the field {spec.name!r} takes "
                               "finite numbers", field=where(j, c))

    def _tensor(self, value: Any, field: str) -> np.ndarray:
        spec = self.fields[0]
        if not isinstance(value, list):
            raise InvalidInput(f"{field} must be a list of examples, not {_kind(value)}",
                               field=field)
        self._count(len(value), field)
        try:
            array = np.asarray(value)
        except ValueError:
            raise InvalidInput(f"{field} is ragged: every example must have the same shape"
                               + (f" {list(spec.shape[1:])}" if spec.shape else ""),
                               field=field) from None
        if array.dtype.kind not in "iuf":
            bad = {"U": "strings", "O": "nulls or mixed values", "b": "booleans"}
            raise InvalidInput(f"{field} holds {bad.get(array.dtype.kind, array.dtype.name)}; "
                               f"the input {spec.name!r} takes numbers", field=field)
        if spec.shape:
            want = spec.shape
            if array.ndim != len(want) or any(w not in (-1, g)
                                              for w, g in zip(want[1:], array.shape[1:],
                                                              strict=False)):
                shown = ["n" if w == -1 else w for w in want]
                raise InvalidInput(f"{field} has shape {list(array.shape)}; the input "
                                   f"{spec.name!r} takes {shown} (first = rows)", field=field,
                                   shape=list(array.shape))
        array = array.astype(np.float32, copy=False)
        if not np.isfinite(array).all():
            raise InvalidInput(f"{field} holds NaN or Infinity; send finite numbers",
                               field=field)
        return array

    def _text(self, data: dict[str, Any]) -> TextRequest:
        params = {k: data[k] for k in _TEXT_PARAMS if k in data}
        given = [k for k in ("prompts", "prompt", "instances") if k in data]
        unknown = sorted(k for k in data if k not in _TEXT_PARAMS and k not in given)
        if unknown:
            raise InvalidInput(f"unknown field {unknown[0]!r}; a generation request has "
                               "'prompts' and optionally " + ", ".join(_TEXT_PARAMS),
                               field=unknown[0])
        if len(given) != 1:
            raise InvalidInput("give exactly one of 'prompts' (a list of strings), 'prompt' "
                               "or 'instances'" + (f"; got {', '.join(given)}" if given else ""),
                               field="prompts")
        key = given[0]
        value = data[key]
        if key == "prompt":
            if not isinstance(value, str):
                raise InvalidInput(f"'prompt' must be a string, not {_kind(value)}",
                                   field="prompt")
            prompts = [value]
        elif key == "prompts":
            if not isinstance(value, list):
                raise InvalidInput(f"'prompts' must be a list of strings, not {_kind(value)}",
                                   field="prompts")
            prompts = value
        else:
            if not isinstance(value, list):
                raise InvalidInput("'instances' must be a list of {\"prompt\": ...} objects",
                                   field="instances")
            prompts = []
            for i, row in enumerate(value):
                if not isinstance(row, dict) or set(row) != {"prompt"}:
                    raise InvalidInput(f"instances[{i}] must be an object with exactly the "
                                       "field 'prompt'", field=f"instances[{i}]")
                prompts.append(row["prompt"])
        if not prompts:
            raise InvalidInput("the request has no prompts", field=key)
        if len(prompts) > MAX_PROMPTS:
            raise InvalidInput(f"{len(prompts)} prompts is more than the {MAX_PROMPTS} allowed "
                               "per request", field=key)
        for i, p in enumerate(prompts):
            where = "prompt" if key == "prompt" else (
                f"prompts[{i}]" if key == "prompts" else f"instances[{i}].prompt")
            if not isinstance(p, str):
                raise InvalidInput(f"{where} must be a string, not {_kind(p)}", field=where)
            if len(p) > MAX_PROMPT_CHARS:
                raise InvalidInput(f"{where} has {len(p)} characters; at most "
                                   f"{MAX_PROMPT_CHARS}", field=where)
        tokens = params.get("max_new_tokens", 32)
        if type(tokens) is not int or not 1 <= tokens <= self.max_new_tokens:
            raise InvalidInput(f"max_new_tokens must be an integer from 1 to "
                               f"{self.max_new_tokens}, not {_show(tokens)}",
                               field="max_new_tokens")
        temperature = params.get("temperature", 0.0)
        if type(temperature) not in (int, float) or not 0 <= temperature <= 10:
            raise InvalidInput(f"temperature must be a number from 0 (greedy) to 10, not "
                               f"{_show(temperature)}", field="temperature")
        top_p = params.get("top_p", 1.0)
        if type(top_p) not in (int, float) or not 0 < top_p <= 1:
            raise InvalidInput(f"top_p must be a number in (0, 1], not {_show(top_p)}",
                               field="top_p")
        return TextRequest(prompts, tokens, float(temperature), float(top_p))
