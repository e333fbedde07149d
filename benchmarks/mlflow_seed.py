"""Fill an MLflow model registry (SQLite backend) with the same catalogue as Griffin's demo.

Runs inside the benchmark's MLflow environment (``.venv-mlflow``, created by
``benchmarks/registry.py``), never in Griffin's. Prints one JSON line: how long the
registration took. Each model gets its tier, team and owner as tags (MLflow has no tier),
and its versions, through MLflow's own client API.

    .venv-mlflow/bin/python benchmarks/mlflow_seed.py sqlite:///path/mlflow.db 10000 5
"""

from __future__ import annotations

import json
import logging
import sys
import time


def main() -> None:
    uri, n_models, versions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    names = json.loads(sys.stdin.read())  # [[name, tier, team, owner], ...] from Griffin's plan
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    import mlflow
    from mlflow import MlflowClient

    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    started = time.perf_counter()
    for name, tier, team, owner in names[:n_models]:
        client.create_registered_model(name, tags={"tier": str(tier), "team": team,
                                                   "owner": owner},
                                       description=f"{name} for the {team} team")
        for v in range(1, versions + 1):
            client.create_model_version(name, source=f"file:///catalogue/{name}/v{v}",
                                        tags={"valid_auc": "0.8"})
    seconds = time.perf_counter() - started
    print(json.dumps({"models": len(names[:n_models]), "versions": versions,
                      "seconds": seconds, "mlflow": mlflow.__version__}))


if __name__ == "__main__":
    main()
