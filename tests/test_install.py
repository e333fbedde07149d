"""What `pip install` leaves behind: both extensions enabled, and a cheap import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
HEAVY = ("ray", "feast", "bentoml", "tensorflow", "torch", "lightgbm", "pandas", "sqlalchemy",
         "transformers", "plotly")


def _run(*cmd: str) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return result.stdout + result.stderr


def test_server_extension_enabled() -> None:
    out = _run(str(BIN / "jupyter"), "server", "extension", "list")
    line = next(line for line in out.splitlines() if "griffin_lab" in line and "enabled" in line)
    assert "enabled" in line
    assert "griffin_lab 0" in out and "OK" in out.split("griffin_lab 0", 1)[1].splitlines()[0]


def test_labextension_enabled() -> None:
    out = _run(str(BIN / "jupyter"), "labextension", "list")
    line = next(line for line in out.splitlines() if "griffin-lab" in line)
    assert "enabled" in line and "OK" in line


def test_import_and_load_ext_stay_light() -> None:
    """`import griffin_lab` and `%load_ext griffin_lab` import no engine (timings: benchmarks/)."""
    code = (
        "import sys, json\n"
        "import griffin_lab\n"
        "after_import = sorted(m for m in sys.modules)\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "InteractiveShell.instance().run_line_magic('load_ext', 'griffin_lab')\n"
        "print(json.dumps([after_import, sorted(sys.modules)]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    after_import, after_load = json.loads(out.strip().splitlines()[-1])
    for modules in (after_import, after_load):
        loaded = {m.split(".")[0] for m in modules}
        assert not loaded & set(HEAVY), loaded & set(HEAVY)
    assert "pydantic" not in {m.split(".")[0] for m in after_import}


def test_server_config_file_ships_in_the_wheel_layout() -> None:
    root = Path(__file__).resolve().parents[1]
    config = json.loads((root / "server_ext/jupyter-config/griffin_lab.json").read_text())
    assert config == {"ServerApp": {"jpserver_extensions": {"griffin_lab": True}}}


def test_wheel_ships_prebuilt_labextension_and_server_config(tmp_path: Path) -> None:
    """A user installing the wheel needs no node: everything is inside it."""
    import zipfile

    root = Path(__file__).resolve().parents[1]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(root)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = tmp_path.glob("griffin_lab-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    data = next(n.split("/")[0] for n in names if ".data/" in n)
    share = f"{data}/data/share/jupyter/labextensions/griffin-lab"
    assert f"{share}/package.json" in names
    assert f"{share}/install.json" in names
    assert any(n.startswith(f"{share}/static/remoteEntry.") for n in names)
    assert f"{data}/data/etc/jupyter/jupyter_server_config.d/griffin_lab.json" in names
    assert "griffin_lab/db/migrations/versions/0001_audit_events.py" in names
    assert "griffin_lab/db/migrations/script.py.mako" in names
