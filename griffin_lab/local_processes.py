"""Processes the platform starts on this machine (a Ray head, BentoML servers, nginx): free
ports, liveness, and stopping them — only ever the processes it was handed, by PID."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path
from typing import Any


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Whether a server could listen on ``port`` of 127.0.0.1 now."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie (a dead child not yet reaped) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def stop_processes(procs: list[Any], timeout: float = 5.0) -> int:
    """SIGTERM these ``psutil.Process`` objects, then SIGKILL what is still there after
    ``timeout``; how many there were."""
    import psutil

    for proc in procs:
        try:
            proc.send_signal(signal.SIGTERM)
        except psutil.NoSuchProcess:
            continue
    _, left = psutil.wait_procs(procs, timeout=timeout)
    for proc in left:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            continue
    psutil.wait_procs(left, timeout=5)
    return len(procs)


def stop_tree(pid: int, timeout: float = 5.0) -> bool:
    """Stop ``pid`` and every process below it (SIGTERM, then SIGKILL after ``timeout``);
    True when it was running. For servers whose workers leave the process group."""
    import psutil

    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return False
    stop_processes(tree, timeout)
    return True


def log_tail(path: Path, lines: int = 15) -> str:
    """The last ``lines`` lines of a process's log file ("" when there is none)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
