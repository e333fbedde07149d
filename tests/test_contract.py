"""The committed OpenAPI spec and the TypeScript types generated from it never drift."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from griffin_lab.api.core import all_operations
from griffin_lab.api.openapi import build_openapi, render, spec_path

ROOT = Path(__file__).resolve().parents[1]
FIX = "run `make openapi` and commit server_ext/"


def test_committed_spec_matches_the_code() -> None:
    committed = spec_path(ROOT).read_text()
    assert committed == render(build_openapi()), f"server_ext/openapi.json is stale: {FIX}"


def test_typescript_types_match_the_committed_spec(tmp_path: Path) -> None:
    jlpm = shutil.which("jlpm") or str(Path(sys.executable).with_name("jlpm"))
    if not (ROOT / "node_modules" / ".bin" / "openapi-typescript").exists():
        pytest.fail("node_modules is missing: run `make install`")
    out = tmp_path / "griffin-api.d.ts"
    subprocess.run(
        [jlpm, "openapi-typescript", "server_ext/openapi.json", "-o", str(out)],
        cwd=ROOT, check=True, capture_output=True, timeout=120,
    )
    committed = (ROOT / "server_ext" / "griffin-api.d.ts").read_text()
    assert out.read_text() == committed, f"server_ext/griffin-api.d.ts is stale: {FIX}"


def test_every_operation_has_a_typed_response_and_unique_route() -> None:
    ops = all_operations().values()
    routes = [(op.method, op.url_path) for op in ops]
    assert len(routes) == len(set(routes))
    spec = build_openapi()
    for op in ops:
        entry = spec["paths"][op.url_path][op.method.lower()]
        assert entry["responses"]["200"]["content"]["application/json"]["schema"]
        assert "4XX" in entry["responses"]
