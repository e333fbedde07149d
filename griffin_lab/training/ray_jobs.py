"""Ray, as the training platform sees it: the embedded head and the Jobs API.

Embedded default: one local Ray head per ``GRIFFIN_HOME``, started on first use with
``ray start --head`` on 127.0.0.1 and recorded in ``GRIFFIN_HOME/ray/head.json`` so every
process (kernels, the Jupyter server, the CLI) reuses it. With ``GRIFFIN_RAY_ADDRESS`` (the
dashboard/Jobs URL of a cluster) nothing is started. Jobs go through ``JobSubmissionClient``,
so they outlive the kernel that launched them.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import EngineUnavailable
from ..local_processes import free_port, stop_processes

START_TIMEOUT_S = 120.0
RESOURCES_TIMEOUT_S = 60.0
# Ray job status -> Griffin job status
RAY_STATUS = {"PENDING": "pending", "RUNNING": "running", "SUCCEEDED": "succeeded",
              "FAILED": "failed", "STOPPED": "cancelled"}
# put first on the PYTHONPATH of the Ray processes Griffin starts (see its one module)
FAST_START = Path(__file__).with_name("fast_start")


def fast_start_pythonpath(current: str | None) -> str:
    """``current`` with the fast-start folder in front (once)."""
    parts = [str(FAST_START), *(p for p in (current or "").split(os.pathsep) if p)]
    return os.pathsep.join(dict.fromkeys(parts))


@dataclass(frozen=True)
class Head:
    dashboard_url: str
    gcs_address: str
    temp_dir: str
    num_cpus: int
    started_at: float
    client_port: int = 0


def _head_file(home: Path) -> Path:
    return home / "ray" / "head.json"


def _temp_dir(home: Path) -> Path:
    """Ray's socket paths must stay short (108 bytes): a short folder named after the home."""
    digest = hashlib.sha1(str(home.resolve()).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"griffin-ray-{digest}"


def _answers(url: str, timeout: float = 2.0) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/api/version", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def _ray_command() -> list[str]:
    exe = Path(sys.executable).with_name("ray")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "from ray.scripts.scripts import main; main()"]


def recorded_head(home: Path) -> Head | None:
    try:
        return Head(**json.loads(_head_file(home).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def ensure_local_head(home: Path, num_cpus: int | None = None) -> Head:
    """The embedded head of this home: reused when it answers, started (once) otherwise."""
    from filelock import FileLock

    (home / "ray").mkdir(parents=True, exist_ok=True)
    with FileLock(str(home / "ray" / "head.lock"), timeout=START_TIMEOUT_S + 30):
        head = recorded_head(home)
        if head is not None and _answers(head.dashboard_url):
            return head
        if head is not None:  # recorded but dead: clear what is left of it
            stop_local_head(home)
        return _start_head(home, num_cpus or os.cpu_count() or 1)


def _start_head(home: Path, num_cpus: int) -> Head:
    temp_dir = _temp_dir(home)
    gcs_port, dash_port, client_port = free_port(), free_port(), free_port()
    # every fixed default port gets a free one, so several heads (one per home) can coexist
    agent_ports = {name: free_port() for name in (
        "dashboard-agent-listen-port", "dashboard-agent-grpc-port", "runtime-env-agent-port",
        "metrics-export-port")}
    cmd = [*_ray_command(), "start", "--head", "--node-ip-address=127.0.0.1",
           f"--port={gcs_port}", f"--ray-client-server-port={client_port}",
           "--dashboard-host=127.0.0.1", f"--dashboard-port={dash_port}",
           *(f"--{name}={port}" for name, port in agent_ports.items()),
           "--include-dashboard=true", f"--num-cpus={num_cpus}", f"--temp-dir={temp_dir}",
           "--disable-usage-stats", *([] if _has_gpu() else ["--num-gpus=0"])]
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0",
           "PYTHONPATH": fast_start_pythonpath(os.environ.get("PYTHONPATH"))}
    log = home / "ray" / "head.log"
    with open(log, "ab") as out:
        try:
            done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                                  env=env, timeout=START_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise EngineUnavailable(f"Ray head did not start within {START_TIMEOUT_S:.0f} s "
                                    f"(log: {log})") from exc
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise EngineUnavailable(f"`ray start --head` failed (exit {done.returncode}):\n{tail}")
    head = Head(dashboard_url=f"http://127.0.0.1:{dash_port}",
                gcs_address=f"127.0.0.1:{gcs_port}", temp_dir=str(temp_dir),
                num_cpus=num_cpus, started_at=time.time(), client_port=client_port)
    deadline = time.monotonic() + 60
    while not _answers(head.dashboard_url):
        if time.monotonic() > deadline:
            raise EngineUnavailable(f"Ray head started but its Jobs API at "
                                    f"{head.dashboard_url} does not answer (log: {log})")
        time.sleep(0.25)
    _head_file(home).write_text(json.dumps(asdict(head), indent=2))
    return head


def _has_gpu() -> bool:
    return Path("/dev/nvidia0").exists()


def head_processes(temp_dir: str, client_port: int = 0) -> list[Any]:
    """The processes of one head: those whose command line names its temp folder (or its
    client-server port), and their descendants (workers and agents rename themselves)."""
    import psutil

    me = psutil.Process()
    mine = {me.pid, *(p.pid for p in me.parents())}
    found: dict[int, Any] = {}
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            cmdline = proc.info["cmdline"] or ()
            if proc.pid not in mine and (
                    any(temp_dir in part for part in cmdline)
                    or (client_port and "ray.util.client.server" in cmdline
                        and f"--port={client_port}" in cmdline)):
                found[proc.pid] = proc
                for child in proc.children(recursive=True):
                    found.setdefault(child.pid, child)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return list(found.values())


def stop_local_head(home: Path, timeout: float = 5.0) -> int:
    """Stop this home's embedded head (only its own processes, by PID); how many there were."""
    head = recorded_head(home)
    procs = (head_processes(head.temp_dir, head.client_port) if head is not None
             else head_processes(str(_temp_dir(home))))
    count = stop_processes(procs, timeout)
    _head_file(home).unlink(missing_ok=True)
    return count


class RayJobs:
    """The Ray Jobs API of the configured cluster (the embedded head when none is set)."""

    def __init__(self, home: Path, address: str | None) -> None:
        self.home = home
        self.configured_address = address
        self._client: Any = None
        self._client_address: str | None = None

    @property
    def embedded(self) -> bool:
        return self.configured_address is None

    def address(self, *, start: bool = True) -> str:
        if self.configured_address is not None:
            return self.configured_address
        if not start:
            head = recorded_head(self.home)
            if head is None:
                raise EngineUnavailable("The embedded Ray head is not running")
            return head.dashboard_url
        return ensure_local_head(self.home).dashboard_url

    def client(self, *, start: bool = True) -> Any:
        address = self.address(start=start)
        if self._client is None or self._client_address != address:
            try:
                from ray.job_submission import JobSubmissionClient
            except ImportError as exc:
                raise EngineUnavailable("Ray is not installed: pip install "
                                        "'griffin-lab[train]'") from exc
            try:
                self._client = JobSubmissionClient(address)
            except Exception as exc:
                raise EngineUnavailable(f"Cannot reach the Ray Jobs API at {address}: "
                                        f"{exc}") from exc
            self._client_address = address
        return self._client

    def resources(self) -> dict[str, float]:
        """Cluster totals and the largest node: ``CPU``, ``GPU``, ``node_CPU``, ``node_GPU``."""
        import httpx

        url = f"{self.address()}/api/cluster_status"
        # a just-started head reports no nodes for a while (long on a busy machine): wait for
        # them rather than judge a job against an empty cluster
        deadline = time.monotonic() + RESOURCES_TIMEOUT_S
        while True:
            try:
                data = httpx.get(url, timeout=10).json()["data"]["clusterStatus"]
                usage = data["loadMetricsReport"]["usage"]
                nodes = [shape for shape, _n in data["loadMetricsReport"].get("nodeTypes", [])]
            except (httpx.HTTPError, KeyError, ValueError, TypeError) as exc:
                raise EngineUnavailable(f"Cannot read the Ray cluster's resources at {url}: "
                                        f"{exc}") from exc
            if nodes and float(usage.get("CPU", [0, 0])[1]) > 0:
                break
            if time.monotonic() > deadline:
                raise EngineUnavailable(f"The Ray cluster at {self.address()} has reported no "
                                        f"node with CPUs for {RESOURCES_TIMEOUT_S:.0f} s; is "
                                        "its head still starting? Try again in a moment.")
            time.sleep(0.25)
        return {
            "CPU": float(usage.get("CPU", [0, 0])[1]),
            "GPU": float(usage.get("GPU", [0, 0])[1]),
            "node_CPU": max((float(n.get("CPU", 0)) for n in nodes), default=0.0),
            "node_GPU": max((float(n.get("GPU", 0)) for n in nodes), default=0.0),
        }

    def submit(self, entrypoint: str, submission_id: str, env_vars: dict[str, str],
               num_cpus: float = 0) -> str:
        client = self.client()
        deadline = time.monotonic() + 60  # a just-started head has no job agent for a while
        while True:
            try:
                return client.submit_job(entrypoint=entrypoint, submission_id=submission_id,
                                         runtime_env={"env_vars": env_vars},
                                         entrypoint_num_cpus=num_cpus)
            except Exception as exc:
                if "try again" in str(exc) and time.monotonic() < deadline:
                    time.sleep(0.5)
                    continue
                raise EngineUnavailable(f"Ray did not accept the job: {exc}") from exc

    def status(self, ray_job_id: str) -> str | None:
        """Griffin's name for the Ray job's status; None when Ray does not know the job."""
        try:
            return RAY_STATUS.get(str(self.client(start=False).get_job_status(ray_job_id)))
        except EngineUnavailable:
            return None
        except Exception as exc:  # the cluster answered but has no such job
            if "does not exist" in str(exc) or "404" in str(exc):
                return None
            raise EngineUnavailable(f"Cannot read Ray job {ray_job_id}: {exc}") from exc

    def logs(self, ray_job_id: str) -> str:
        try:
            return self.client(start=False).get_job_logs(ray_job_id)
        except EngineUnavailable:
            return ""
        except Exception as exc:
            if "does not exist" in str(exc) or "404" in str(exc):
                return ""
            raise EngineUnavailable(f"Cannot read the logs of Ray job {ray_job_id}: "
                                    f"{exc}") from exc

    def stop(self, ray_job_id: str) -> bool:
        try:
            return bool(self.client(start=False).stop_job(ray_job_id))
        except EngineUnavailable:
            return False
        except Exception as exc:
            if "does not exist" in str(exc) or "404" in str(exc):
                return False
            raise EngineUnavailable(f"Cannot stop Ray job {ray_job_id}: {exc}") from exc
