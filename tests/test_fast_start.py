"""The fast-start folder Griffin puts first on the PYTHONPATH of its Ray processes: importing
Ray (and so jsonschema) no longer compiles rfc3987_syntax's grammar, and an ``iri`` format
check still answers exactly as it does without the folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from griffin_lab.settings import Settings
from griffin_lab.training.ray_jobs import FAST_START, fast_start_pythonpath

PROBE = """
import json, sys
import ray
compiled = "lark" in sys.modules
from jsonschema import FormatChecker
fc = FormatChecker()
values = ["http://example.com/a", "http://example.com/a b", "http://\u4f8b\u3048.jp/\u30d1\u30b9",
          "::not an iri", "mailto:x@y.org", "", "relative/path?q=1#f"]
answers = {f: [fc.conforms(v, f) for v in values] for f in ("iri", "iri-reference")}
print(json.dumps({"compiled_at_import": compiled, "answers": answers,
                  "module": sys.modules["rfc3987_syntax"].__file__}))
"""


def _probe(pythonpath: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                         text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_ray_imports_without_the_grammar_and_iri_checks_answer_the_same() -> None:
    plain = _probe(None)
    fast = _probe(fast_start_pythonpath(None))
    assert plain["compiled_at_import"] is True        # what the folder is there to avoid
    assert fast["compiled_at_import"] is False
    assert fast["answers"] == plain["answers"]
    assert fast["answers"]["iri"][:4] == [True, False, True, False]
    # after the first check the real package has taken the stand-in's place
    assert not fast["module"].startswith(str(FAST_START))


def test_without_the_real_package_the_stand_in_is_absent_too() -> None:
    # -S: no site-packages, so no real rfc3987_syntax; jsonschema must see an ImportError
    code = (f"import sys; sys.path.insert(0, {str(FAST_START)!r})\n"
            "try:\n    import rfc3987_syntax\n"
            "except ImportError as e:\n    print('absent', e.name)\n")
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "absent rfc3987_syntax"


def test_the_folder_goes_first_once_and_keeps_what_was_there() -> None:
    assert fast_start_pythonpath(None) == str(FAST_START)
    joined = fast_start_pythonpath(os.pathsep.join(["/a", str(FAST_START), "/b"]))
    assert joined.split(os.pathsep) == [str(FAST_START), "/a", "/b"]


def test_jobs_on_this_machine_get_the_folder_and_remote_clusters_do_not(tmp_path: Path) -> None:
    from griffin_lab.platform import Platform

    for address, expected in ((None, True), ("http://127.0.0.1:8265", True),
                              ("http://ray-head.internal:8265", False)):
        with Platform.from_settings(Settings.load(home=tmp_path / str(expected) / str(address)[-4:],
                                                  ray_address=address)) as platform:
            env = platform.training._job_env()
        assert (env.get("PYTHONPATH", "").split(os.pathsep)[0] == str(FAST_START)) is expected
