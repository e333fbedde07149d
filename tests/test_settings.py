from __future__ import annotations

from pathlib import Path

import pytest

from griffin_lab.errors import ConfigurationError
from griffin_lab.settings import Settings, redact_url


def test_embedded_defaults_live_under_home(tmp_path: Path) -> None:
    s = Settings.load(home=tmp_path)
    assert s.resolved_database_url == f"sqlite:///{tmp_path / 'griffin.db'}"
    assert s.resolved_artifact_root == (tmp_path / "artifacts").as_uri()
    assert s.resolved_feast_repo_path == tmp_path / "feature_repo"
    assert s.embedded_ray


def test_environment_with_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRIFFIN_HOME", str(tmp_path))
    monkeypatch.setenv("GRIFFIN_RAY_ADDRESS", "http://127.0.0.1:8265/")
    monkeypatch.setenv("GRIFFIN_ARTIFACT_ROOT", "s3://bucket/griffin")
    s = Settings.load()
    assert s.home == tmp_path
    assert s.ray_address == "http://127.0.0.1:8265" and not s.embedded_ray
    assert s.resolved_artifact_root == "s3://bucket/griffin"


def test_toml_file_and_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "griffin.toml"
    config.write_text(f'home = "{tmp_path / "from-toml"}"\nartifact_root = "s3://b/p"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRIFFIN_HOME", raising=False)
    s = Settings.load()
    assert s.home == tmp_path / "from-toml" and s.artifact_root == "s3://b/p"
    monkeypatch.setenv("GRIFFIN_HOME", str(tmp_path / "from-env"))
    assert Settings.load().home == tmp_path / "from-env"  # environment beats the file
    assert Settings.load(home=tmp_path / "arg").home == tmp_path / "arg"  # arguments beat both


def test_explicit_config_path_must_exist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRIFFIN_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigurationError, match="GRIFFIN_CONFIG"):
        Settings.load()


def test_unknown_setting_in_toml_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "griffin.toml").write_text('databse_url = "sqlite:///x.db"\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError, match="databse_url"):
        Settings.load()


def test_secrets_never_rendered(tmp_path: Path) -> None:
    s = Settings.load(
        home=tmp_path, database_url="postgresql://griffin:pa55word@db.internal:5432/griffin",
        token="tok-123456",
    )
    for text in (repr(s), str(s), str(s.public()), s.model_dump_json()):
        assert "pa55word" not in text and "tok-123456" not in text
    assert s.public()["database_url"] == "postgresql://griffin:***@db.internal:5432/griffin"
    assert s.resolved_database_url.endswith("pa55word@db.internal:5432/griffin")


def test_redact_url_keeps_urls_without_password() -> None:
    assert redact_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    assert redact_url("s3://key:secret@bucket/p") == "s3://key:***@bucket/p"


@pytest.mark.parametrize(
    ("name", "value", "hint"),
    [("ray_address", "ray://head:10001", "http"), ("url", "localhost:8888", "http"),
     ("database_url", "mysql://u@h/db", "sqlite")],
)
def test_invalid_values_name_the_setting(tmp_path: Path, name: str, value: str, hint: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        Settings.load(home=tmp_path, **{name: value})
    assert err.value.field == name and f"GRIFFIN_{name.upper()}" in err.value.message
    assert hint in err.value.message
