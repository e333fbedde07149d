"""Griffin's model registry at 10,000 models x 5 versions, against MLflow's, in one run.

For each metadata database (the embedded SQLite, then PostgreSQL):

1. registration: the demo catalogue bulk-written (``seed_catalogue``: models, tags,
   versions, aliases in a few statements), then versions registered one transaction each
   through ``register_version`` — the path training and ``client.models.register`` take —
   as versions/s;
2. REST through a real Jupyter server (``/griffin/api/v1``, token auth, keep-alive client,
   one request at a time): the first page of the list, a text filter, a tier filter, and
   get-model-with-versions, p50/p99 over ``--calls`` calls each after a warm-up.

Side by side, MLflow's model registry (installed into ``.venv-mlflow`` only for this
benchmark, SQLite backend, same model names, tiers/teams/owners as tags, same number of
versions, created through ``MlflowClient``), served by ``mlflow server --workers 1`` and
asked the equivalent REST questions: ``registered-models/search`` (first page,
``name LIKE``, ``tags.tier =``) and ``registered-models/get`` + ``model-versions/search``.

Goals: Griffin p99 <= 50 ms for every query on both databases, and >= 5x MLflow at p99.

    python -m benchmarks.registry [--models 10000] [--versions 5] [--calls 300] [--json]
    python -m benchmarks.registry --models 500 --calls 50 --no-postgres   # smoke run
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.feature_store import BIN, TOKEN, Server, free_port, pct, say, server_env

ROOT = Path(__file__).resolve().parent.parent
MLFLOW_VENV = ROOT / ".venv-mlflow"
MLFLOW_VERSION = "3.17.2"
TERMS = ["churn", "eta", "fraud", "ranking", "ctr", "markdown", "dedupe", "reorder"]


def timed(fetch: Callable[[int], Any], calls: int, warmup: int = 20) -> dict[str, float]:
    for i in range(warmup):
        fetch(i)
    samples = []
    for i in range(calls):
        started = time.perf_counter()
        fetch(i)
        samples.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(pct(samples, 50), 2), "p99_ms": round(pct(samples, 99), 2),
            "calls": calls}


def griffin_side(backend: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    import httpx

    from griffin_lab.demo.catalogue import seed_catalogue
    from griffin_lab.platform import Platform
    from griffin_lab.registry.service import register_version

    home = work / f"griffin-{backend}"
    extra: dict[str, str] = {}
    postgres = None
    if backend == "postgresql":
        from tests.servers import start_postgres

        postgres = start_postgres()
        extra["GRIFFIN_DATABASE_URL"] = postgres.url
    try:
        platform = Platform.from_settings(home=home, database_url=extra.get(
            "GRIFFIN_DATABASE_URL"))
        started = time.perf_counter()
        seeded = seed_catalogue(platform, args.models, args.versions)
        bulk_s = time.perf_counter() - started
        say(f"{backend}: {seeded['models']:,} models, {seeded['versions']:,} versions written "
            f"in {bulk_s:.1f} s")
        n = args.registrations
        started = time.perf_counter()
        for i in range(n):
            with platform.db.session(write=True) as session:
                register_version(session, name=f"bench-register-{i % 50:02d}",
                                 framework="lightgbm", artifact_uri="file:///bench",
                                 actor="bench", signature={}, metrics={"valid_auc": 0.8},
                                 params={}, lineage={})
        one_by_one = n / (time.perf_counter() - started)
        names = _catalogue(platform)
        platform.close()

        env = server_env(home, work) | extra
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        root = work / "notebooks"
        root.mkdir(exist_ok=True)
        server = Server(f"jupyter server (Griffin, {backend})",
                        [str(BIN / "jupyter"), "server", "--ServerApp.ip=127.0.0.1",
                         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                         "--allow-root", "--ServerApp.open_browser=False",
                         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}"],
                        work, env, work / f"griffin-{backend}.log", f"{base}/api/status",
                        {"Authorization": f"token {TOKEN}"})
        try:
            server.wait_ready()
            api = f"{base}/griffin/api/v1"
            rng = random.Random(1)
            picks = [rng.choice(names)[0] for _ in range(args.calls + 20)]
            with httpx.Client(headers={"Authorization": f"token {TOKEN}"}, timeout=30) as http:
                def get(url: str) -> Any:
                    response = http.get(url)
                    response.raise_for_status()
                    return response.json()

                total = get(f"{api}/models?limit=50")["total"]
                rest = {
                    "first_page": timed(lambda i: get(f"{api}/models?limit=50"), args.calls),
                    "text_filter": timed(lambda i: get(
                        f"{api}/models?q={TERMS[i % len(TERMS)]}&limit=50"), args.calls),
                    "tier_filter": timed(lambda i: get(f"{api}/models?tier={i % 4}&limit=50"),
                                         args.calls),
                    "get_with_versions": timed(lambda i: get(f"{api}/models/{picks[i]}"),
                                               args.calls),
                }
                detail = get(f"{api}/models/{picks[0]}")
                assert len(detail["versions"]) == args.versions, detail["name"]
        finally:
            server.stop()
    finally:
        if postgres is not None:
            postgres.stop()
    return {"backend": backend, "models": total, "bulk_seconds": round(bulk_s, 2),
            "bulk_versions_per_s": round(seeded["versions"] / bulk_s),
            "register_versions_per_s": round(one_by_one, 1), "rest": rest,
            "catalogue": names}


def _catalogue(platform: Any) -> list[tuple[str, int, str, str]]:
    from sqlalchemy import select

    from griffin_lab.registry.tables import ModelRow

    with platform.db.session() as session:
        return [tuple(r) for r in session.execute(select(
            ModelRow.name, ModelRow.tier, ModelRow.team, ModelRow.owner).where(
            ModelRow.name.like("%-m%")).order_by(ModelRow.id)).all()]


def ensure_mlflow() -> Path:
    python = MLFLOW_VENV / "bin" / "python"
    if not python.exists():
        say(f"installing mlflow {MLFLOW_VERSION} into {MLFLOW_VENV} (benchmark only)")
        subprocess.run([sys.executable, "-m", "venv", str(MLFLOW_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q",
                        f"mlflow=={MLFLOW_VERSION}"], check=True)
    return python


def mlflow_side(args: argparse.Namespace, work: Path,
                catalogue: list[tuple[str, int, str, str]]) -> dict[str, Any]:
    import httpx

    python = ensure_mlflow()
    db = work / "mlflow.db"
    uri = f"sqlite:///{db}"
    say(f"mlflow: registering {len(catalogue):,} models x {args.versions} versions "
        "through MlflowClient")
    seeded = subprocess.run([str(python), str(ROOT / "benchmarks" / "mlflow_seed.py"), uri,
                             str(len(catalogue)), str(args.versions)],
                            input=json.dumps(catalogue), capture_output=True, text=True,
                            check=True)
    seed = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = Server("mlflow server", [str(MLFLOW_VENV / "bin" / "mlflow"), "server",
                                      "--backend-store-uri", uri, "--host", "127.0.0.1",
                                      "--port", str(port), "--workers", "1"],
                    work, {"PATH": f"{MLFLOW_VENV / 'bin'}:/usr/bin:/bin",
                           "HOME": str(work)}, work / "mlflow.log", f"{base}/health", {})
    try:
        server.wait_ready(timeout=180)
        api = f"{base}/api/2.0/mlflow"
        rng = random.Random(1)
        picks = [rng.choice(catalogue)[0] for _ in range(args.calls + 20)]
        with httpx.Client(timeout=60) as http:
            def get(path: str, **params: Any) -> Any:
                response = http.get(f"{api}/{path}", params=params)
                response.raise_for_status()
                return response.json()

            def search(filter_string: str | None = None) -> Any:
                params = {"max_results": 50}
                if filter_string:
                    params["filter"] = filter_string
                return get("registered-models/search", **params)

            def get_with_versions(name: str) -> Any:
                model = get("registered-models/get", name=name)
                versions = get("model-versions/search", filter=f"name='{name}'",
                               max_results=50)
                return model, versions

            _, versions = get_with_versions(picks[0])
            assert len(versions["model_versions"]) == args.versions
            rest = {
                "first_page": timed(lambda i: search(), args.calls),
                "text_filter": timed(lambda i: search(
                    f"name LIKE '%{TERMS[i % len(TERMS)]}%'"), args.calls),
                "tier_filter": timed(lambda i: search(f"tags.tier = '{i % 4}'"), args.calls),
                "get_with_versions": timed(lambda i: get_with_versions(picks[i]), args.calls),
            }
    finally:
        server.stop()
    return {"mlflow": seed["mlflow"], "register_versions_per_s": round(
        len(catalogue) * args.versions / seed["seconds"], 1),
        "register_seconds": round(seed["seconds"], 1), "rest": rest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--registrations", type=int, default=500)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-mlflow", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="griffin-bench-registry-"))
    results: dict[str, Any] = {"args": vars(args)}
    try:
        backends = ["sqlite"] + ([] if args.no_postgres else ["postgresql"])
        for backend in backends:
            results[backend] = griffin_side(backend, args, work)
        catalogue = results["sqlite"].pop("catalogue")
        for backend in backends[1:]:
            results[backend].pop("catalogue")
        if not args.no_mlflow:
            results["mlflow"] = mlflow_side(args, work, catalogue)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    report(results)


def report(results: dict[str, Any]) -> None:
    queries = ["first_page", "text_filter", "tier_filter", "get_with_versions"]
    systems = [k for k in ("sqlite", "postgresql", "mlflow") if k in results]
    print(f"\n{'query':<20}" + "".join(f"{s + ' p50/p99 ms':>26}" for s in systems)
          + ("   MLflow p99 / Griffin-SQLite p99" if "mlflow" in results else ""))
    for q in queries:
        figures = [results[s]["rest"][q] for s in systems]
        cells = "".join(f"{f['p50_ms']:>14.1f} /{f['p99_ms']:>8.1f}  " for f in figures)
        ratio = ""
        if "mlflow" in results:
            times = results["mlflow"]["rest"][q]["p99_ms"] / results["sqlite"]["rest"][q]["p99_ms"]
            ratio = f"{times:>10.1f}x"
        print(f"{q:<20}{cells}{ratio}")
    for s in systems:
        r = results[s]
        print(f"{s}: one-by-one registration {r['register_versions_per_s']:,} versions/s"
              + (f"; bulk {r['bulk_versions_per_s']:,} versions/s" if "bulk_versions_per_s"
                 in r else ""))


if __name__ == "__main__":
    main()
