"""Text records for LLM fine-tuning: read and checked before submission, tokenized in workers.

A record is either ``{"text": ...}`` (the model learns all of it) or ``{"prompt": ...,
"completion": ...}`` (by default the model learns, and is measured on, the completion only).
Records come from a JSONL file or from a parquet/CSV table with those columns. Every record
must have the same form; an empty line, a line that is not a JSON object or a missing field
is refused before the job starts, naming the line.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput
from .data import _open_fs, expand, read_table_file

FIELD = "data.path"
MIN_RECORDS = 2  # one to train on, one to measure on
IGNORE = -100  # label of a token the loss skips


@dataclass
class TextRecords:
    form: str  # "text" | "prompt_completion"
    records: list[dict[str, str]]  # {"text"} or {"prompt", "completion"}

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(self.form.encode())
        for r in self.records:
            digest.update(json.dumps(r, sort_keys=True, ensure_ascii=False).encode())
            digest.update(b"\n")
        return "sha256:" + digest.hexdigest()


def _is_table(uri: str) -> bool:
    return uri.endswith((".parquet", ".pq", ".csv", ".csv.gz", ".tsv"))


def read_records(path: str, fields: dict[str, str]) -> TextRecords:
    """Every record of a JSONL file or table, checked (errors name the line or row)."""
    uri = expand(path)
    fs, local = _open_fs(uri)
    if not fs.exists(local) or fs.isdir(local):
        raise InvalidInput(f"data file {path!r} does not exist", field=FIELD)
    if _is_table(uri):
        frame = read_table_file(path, FIELD)
        rows = frame.to_dict(orient="records")
        where = "row"
        start = 1
    else:
        with fs.open(local, "rb") as fh:
            raw = fh.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"data file {path!r} is not UTF-8 text: {exc}",
                               field=FIELD) from exc
        rows = []
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # the final newline
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                raise InvalidInput(f"data file {path!r}: line {number} is empty; remove empty "
                                   "lines (every line is one JSON record)", field=FIELD)
            try:
                rows.append(json.loads(line))
            except ValueError as exc:
                raise InvalidInput(f"data file {path!r}: line {number} is not JSON ({exc}); "
                                   "every line must be one JSON object", field=FIELD) from exc
        where = "line"
        start = 1
    return _check_rows(path, rows, fields, where, start)


def _check_rows(path: str, rows: list[Any], fields: dict[str, str], where: str,
                start: int) -> TextRecords:
    text_f, prompt_f, completion_f = fields["text"], fields["prompt"], fields["completion"]
    if not rows:
        raise InvalidInput(f"data file {path!r} has no records", field=FIELD)
    first = rows[0]
    if not isinstance(first, dict):
        raise InvalidInput(f"data file {path!r}: {where} {start} is not a JSON object",
                           field=FIELD)
    if prompt_f in first or completion_f in first:
        form, wanted = "prompt_completion", (prompt_f, completion_f)
    elif text_f in first:
        form, wanted = "text", (text_f,)
    else:
        raise InvalidInput(
            f"data file {path!r}: {where} {start} has neither {text_f!r} nor {prompt_f!r} and "
            f"{completion_f!r} (it has: {', '.join(map(str, first)) or 'no fields'}); give "
            "records of one of those forms, or name the fields with data.text_field / "
            "data.prompt_field / data.completion_field", field=FIELD)
    records: list[dict[str, str]] = []
    for i, row in enumerate(rows, start=start):
        if not isinstance(row, dict):
            raise InvalidInput(f"data file {path!r}: {where} {i} is not a JSON object",
                               field=FIELD)
        for name in wanted:
            value = row.get(name)
            if value is None or (isinstance(value, float) and value != value):
                raise InvalidInput(f"data file {path!r}: {where} {i} has no {name!r} field "
                                   f"(every record needs {' and '.join(map(repr, wanted))})",
                                   field=FIELD)
            if not isinstance(value, str):
                raise InvalidInput(f"data file {path!r}: {where} {i}: {name!r} is "
                                   f"{type(value).__name__}, not text", field=FIELD)
        if form == "text":
            if not row[text_f].strip():
                raise InvalidInput(f"data file {path!r}: {where} {i} has an empty {text_f!r}",
                                   field=FIELD)
            records.append({"text": row[text_f]})
        else:
            if not row[completion_f].strip():
                raise InvalidInput(f"data file {path!r}: {where} {i} has an empty "
                                   f"{completion_f!r}", field=FIELD)
            records.append({"prompt": row[prompt_f], "completion": row[completion_f]})
    if len(records) < MIN_RECORDS:
        raise InvalidInput(f"data file {path!r} has {len(records)} record(s); fine-tuning "
                           f"needs at least {MIN_RECORDS} (some are held out to measure)",
                           field=FIELD)
    return TextRecords(form=form, records=records)


# worker side ------------------------------------------------------------------------------
def tokenize(records: list[dict[str, str]], tokenizer: Any, max_len: int,
             completion_only: bool) -> list[tuple[list[int], list[int]]]:
    """(input ids, labels) per record, cut to ``max_len``; an end-of-text token closes each."""
    eos = tokenizer.eos_token_id
    out = []
    for r in records:
        if "text" in r:
            ids = tokenizer(r["text"], add_special_tokens=False)["input_ids"]
            ids = [*ids, eos] if eos is not None else ids
            labels = list(ids)
        else:
            p = tokenizer(r["prompt"], add_special_tokens=False)["input_ids"]
            c = tokenizer(r["completion"], add_special_tokens=False)["input_ids"]
            c = [*c, eos] if eos is not None else c
            ids = p + c
            labels = ([IGNORE] * len(p) if completion_only else list(p)) + c
        out.append((ids[:max_len], labels[:max_len]))
    return out


def collate(examples: list[tuple[list[int], list[int]]], pad_id: int) -> dict[str, Any]:
    """A right-padded batch: input_ids, attention_mask, labels (padding is not learned)."""
    import torch

    width = max(len(ids) for ids, _ in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, (x, y) in enumerate(examples):
        ids[row, : len(x)] = torch.tensor(x, dtype=torch.long)
        labels[row, : len(y)] = torch.tensor(y, dtype=torch.long)
        mask[row, : len(x)] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}
