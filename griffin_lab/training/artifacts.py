"""A job's artifact folder under the artifact root (any fsspec URL: a local folder, s3://…)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class ArtifactDir:
    def __init__(self, uri: str) -> None:
        from fsspec.core import url_to_fs

        self.uri = uri.rstrip("/")
        self.fs, self.path = url_to_fs(self.uri)

    def child(self, name: str) -> ArtifactDir:
        return ArtifactDir(f"{self.uri}/{name}")

    def url(self, name: str) -> str:
        return f"{self.uri}/{name}"

    def write_json(self, name: str, value: Any) -> None:
        self.write_bytes(name, json.dumps(value, indent=2, default=str).encode())

    def read_json(self, name: str) -> Any:
        with self.fs.open(f"{self.path}/{name}", "rb") as fh:
            return json.loads(fh.read())

    def write_text(self, name: str, text: str) -> None:
        self.write_bytes(name, text.encode())

    def write_bytes(self, name: str, data: bytes) -> None:
        target = f"{self.path}/{name}"
        self.fs.makedirs(self.fs._parent(target), exist_ok=True)
        with self.fs.open(target, "wb") as fh:
            fh.write(data)

    def write_frame(self, name: str, frame: Any) -> None:
        target = f"{self.path}/{name}"
        self.fs.makedirs(self.fs._parent(target), exist_ok=True)
        with self.fs.open(target, "wb") as fh:
            frame.to_parquet(fh, index=False)

    @contextmanager
    def local_folder(self, name: str) -> Iterator[str]:
        """A local folder to write into; uploaded to ``name`` when the block ends."""
        with tempfile.TemporaryDirectory(prefix="griffin-artifact-") as tmp:
            yield tmp
            target = f"{self.path}/{name}"
            self.fs.makedirs(target, exist_ok=True)
            for entry in os.listdir(tmp):
                self.fs.put(os.path.join(tmp, entry), f"{target}/{entry}", recursive=True)

    def copy_tree(self, source: str, name: str) -> None:
        """Copy ``source`` (a folder of this filesystem) to ``name``."""
        target = f"{self.path}/{name}"
        self.fs.makedirs(target, exist_ok=True)
        src = self.fs._strip_protocol(source)
        for entry in self.fs.ls(src, detail=False):
            self.fs.copy(entry, f"{target}/{os.path.basename(entry)}", recursive=True)
