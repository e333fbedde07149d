"""The managed Feast repository: configuration, definition files, plan and apply.

The repository is an ordinary Feast repo (``feast plan`` / ``feast apply`` work on it):
``feature_store.yaml``, ``entities.py``, one ``<view>.py`` per feature view,
``feature_services.py``, the views' data under ``data/`` and their validation rules under
``validation/``. Griffin writes definition files from specs, then plans and applies them with
Feast's own repo operations; a failed apply restores the files, the registry and the SQLite
online store exactly as they were.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import GriffinError, InvalidInput
from .spec import FeatureServiceSpec

if TYPE_CHECKING:
    from feast import FeatureStore
    from feast.repo_contents import RepoContents

PROJECT = "griffin"
REGISTRY = "data/registry.db"
ONLINE_SQLITE = "data/online_store.db"
FEAST_TYPES = {
    "int64": "Int64", "float64": "Float64", "string": "String", "bool": "Bool",
    "timestamp": "UnixTimestamp",
}
VALUE_TYPES = {"int64": "INT64", "string": "STRING", "float64": "DOUBLE", "bool": "BOOL"}

_PARSE_LOCK = threading.Lock()
log = logging.getLogger(__name__)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Keep Feast's console output (progress bars, colours) out of cells; log it instead."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        yield
    if buffer.getvalue().strip():
        log.debug("feast: %s", buffer.getvalue())


def render_store_yaml(online_store_url: str | None) -> str:
    if online_store_url:
        from urllib.parse import urlsplit

        url = urlsplit(online_store_url)
        conn = f"{url.hostname or '127.0.0.1'}:{url.port or 6379}"
        db = url.path.strip("/") or "0"
        extra = f",db={db}"
        if url.password:
            extra += f",password={url.password}"
        if url.scheme == "rediss":
            extra += ",ssl=true"
        online = f"online_store:\n  type: redis\n  connection_string: \"{conn}{extra}\"\n"
    else:
        online = f"online_store:\n  type: sqlite\n  path: {ONLINE_SQLITE}\n"
    return (
        "# Managed by Griffin Lab; `feast plan` and `feast apply` work in this folder.\n"
        f"project: {PROJECT}\n"
        "provider: local\n"
        "registry:\n"
        f"  path: {REGISTRY}\n"
        "  cache_ttl_seconds: 10\n"
        f"{online}"
        "offline_store:\n"
        "  type: file\n"
        "entity_key_serialization_version: 3\n"
        # Griffin hands Feast UTC timestamps already (training sets); Feast's own coercion
        # would turn them into a zone its file store then converts again, row by row
        "coerce_tz_aware: false\n"
    )


@dataclass(frozen=True)
class EntityDef:
    name: str
    join_key: str
    value_type: str  # INT64, STRING...
    description: str = ""


def render_entities(entities: list[EntityDef]) -> str:
    lines = [
        '"""Entities of the Griffin feature store (managed by Griffin Lab; safe to review)."""',
        "",
        "from feast import Entity, ValueType",
        "",
    ]
    for e in sorted(entities, key=lambda e: e.name):
        lines += [
            f"{e.name} = Entity(",
            f"    name={e.name!r},",
            f"    join_keys=[{e.join_key!r}],",
            f"    value_type=ValueType.{e.value_type},",
            f"    description={e.description!r},",
            ")",
            "",
        ]
    return "\n".join(lines)


@dataclass
class ViewDef:
    name: str
    entities: list[str]
    timestamp: str
    features: list[tuple[str, str, str]]  # (name, dtype, description)
    ttl: timedelta
    owner: str
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    online: bool = True


def render_view(view: ViewDef) -> str:
    types = sorted({FEAST_TYPES[dtype] for _, dtype, _ in view.features})
    fields = "\n".join(
        f"        Field(name={n!r}, dtype={FEAST_TYPES[d]}, description={desc!r}),"
        for n, d, desc in view.features
    )
    return f'''"""Feature view `{view.name}`: {view.description or "(no description)"}

Written by Griffin Lab's add-source workflow. Data: data/{view.name}.parquet;
validation rules: validation/{view.name}.json.
"""

from datetime import timedelta

from feast import FeatureView, Field, FileSource
from feast.types import {", ".join(types)}

from entities import {", ".join(sorted(view.entities))}

{view.name}_source = FileSource(
    name={view.name + "_source"!r},
    path={"data/" + view.name + ".parquet"!r},  # relative to this repository
    timestamp_field={view.timestamp!r},
)

{view.name} = FeatureView(
    name={view.name!r},
    entities=[{", ".join(view.entities)}],
    ttl=timedelta(seconds={int(view.ttl.total_seconds())}),
    schema=[
{fields}
    ],
    source={view.name}_source,
    online={view.online!r},
    owner={view.owner!r},
    description={view.description!r},
    tags={dict(sorted(view.tags.items()))!r},
)
'''


def render_services(services: list[FeatureServiceSpec], views: set[str]) -> str:
    used = sorted({ref.split(":")[0] for s in services for ref in s.features} & views)
    lines = [
        '"""Feature services: the feature sets models read (managed by Griffin Lab)."""',
        "",
        "from feast import FeatureService",
        "",
    ]
    lines += [f"from {v} import {v}" for v in used]
    lines.append("")
    for s in sorted(services, key=lambda s: s.name):
        refs = []
        grouped: dict[str, list[str]] = {}
        for ref in s.features:
            view, _, feature = ref.partition(":")
            grouped.setdefault(view, [])
            if feature:
                grouped[view].append(feature)
        for view, feats in grouped.items():
            refs.append(f"{view}[{feats!r}]" if feats else view)
        lines += [
            f"{s.name} = FeatureService(",
            f"    name={s.name!r},",
            f"    features=[{', '.join(refs)}],",
            f"    description={s.description!r},",
            f"    owner={s.owner!r},",
            f"    tags={dict(sorted(s.tags.items()))!r},",
            ")",
            "",
        ]
    return "\n".join(lines)


@dataclass
class PlannedChange:
    object_type: str
    name: str
    change: str  # create, update, delete, unchanged


@dataclass
class Plan:
    changes: list[PlannedChange]
    text: str


def _strip_meta(message: Any) -> Any:
    """A copy of a protobuf message without its ``meta`` (timestamps) fields, recursively."""
    copy = type(message)()
    copy.CopyFrom(message)
    stack = [copy]
    while stack:
        msg = stack.pop()
        for descriptor, value in msg.ListFields():
            if descriptor.name == "meta":
                msg.ClearField("meta")
            elif descriptor.message_type is not None:
                repeated = getattr(descriptor, "is_repeated", None)
                if repeated is None:
                    repeated = descriptor.label == descriptor.LABEL_REPEATED
                stack.extend(v for v in (value if repeated else [value])
                             if hasattr(v, "ListFields"))
    return copy


def _really_changed(diff: Any) -> bool:
    """Feast reports an update when only bookkeeping timestamps differ; look past those."""
    old, new = diff.current_feast_object, diff.new_feast_object
    if old is None or new is None:
        return True
    try:
        return _strip_meta(old.to_proto()) != _strip_meta(new.to_proto())
    except Exception:  # an object type without to_proto: trust Feast
        return True


def _plan_of(registry_diff: Any) -> Plan:
    changes = []
    for d in registry_diff.feast_object_diffs:
        change = str(getattr(d.transition_type, "name", d.transition_type)).lower()
        if change == "update" and not _really_changed(d):
            change = "unchanged"
        kind = str(getattr(d.feast_object_type, "value", d.feast_object_type))
        changes.append(PlannedChange(object_type=kind, name=d.name, change=change))
    return Plan(changes=changes, text=registry_diff.to_string())


class FeastRepo:
    """One Feast repository folder, managed by Griffin."""

    def __init__(self, path: Path, online_store_url: str | None = None) -> None:
        self.path = path
        self.online_store_url = online_store_url
        self._store: FeatureStore | None = None
        self._lock = threading.RLock()

    # Layout ---------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return self.path / "data"

    @property
    def rules_dir(self) -> Path:
        return self.path / "validation"

    def exists(self) -> bool:
        return (self.path / "feature_store.yaml").is_file()

    def ensure(self) -> None:
        """Create the repository (idempotent); rewrite the config if the online store moved."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.rules_dir.mkdir(exist_ok=True)
        config = self.path / "feature_store.yaml"
        wanted = render_store_yaml(self.online_store_url)
        if not config.is_file() or config.read_text() != wanted:
            config.write_text(wanted)
            self._store = None
        ignore = self.path / ".feastignore"
        if not ignore.is_file():
            ignore.write_text("data/\nvalidation/\n")
        if not (self.path / "entities.py").is_file():
            (self.path / "entities.py").write_text(render_entities([]))

    @property
    def store(self) -> FeatureStore:
        with self._lock:
            if self._store is None:
                from feast import FeatureStore

                if not self.exists():
                    raise InvalidInput(
                        f"No feature store at {self.path} yet: run `griffin demo` or add a source"
                    )
                self._store = FeatureStore(repo_path=str(self.path))
            return self._store

    def refresh(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.refresh_registry()

    # Parsing --------------------------------------------------------------------------
    def _parse(self, root: Path) -> RepoContents:
        """Feast's own parser, isolated: fresh modules each time, one parse at a time."""
        from feast.repo_operations import get_repo_files, parse_repo

        with _PARSE_LOCK:
            names = {p.relative_to(root).with_suffix("").as_posix().replace("/", ".")
                     for p in get_repo_files(root)}
            for name in names:
                sys.modules.pop(name, None)
            sys.path.insert(0, str(root))
            try:
                with contextlib.chdir(root):
                    contents = parse_repo(root)
                if not contents.projects:  # as `feast apply` does for a repo without one
                    from feast.project import Project

                    contents.projects.append(Project(name=PROJECT))
                return contents
            except GriffinError:
                raise
            except Exception as exc:
                raise InvalidInput(
                    f"The feature definitions do not load: {type(exc).__name__}: {exc}"
                ) from exc
            finally:
                sys.path.remove(str(root))
                for name in names:
                    sys.modules.pop(name, None)

    @contextlib.contextmanager
    def _candidate(self, files: dict[str, str]) -> Iterator[Path]:
        """A scratch copy of the repo's definitions with ``files`` written over them."""
        with tempfile.TemporaryDirectory(prefix="griffin-plan-") as tmp:
            root = Path(tmp)
            for src in self.path.glob("*.py"):
                shutil.copy2(src, root / src.name)
            (root / "data").symlink_to(self.data_dir, target_is_directory=True)
            for name, text in files.items():
                (root / name).write_text(text)
            yield root

    def plan(self, files: dict[str, str]) -> Plan:
        """What applying ``files`` (name -> content) would change; nothing is written."""
        with self._lock, self._candidate(files) as root:
            contents = self._parse(root)
            registry_diff, _infra_diff, _ = self.store.plan(contents)
            return _plan_of(registry_diff)

    def apply(self, files: dict[str, str], remove: list[str] | None = None) -> Plan:
        """Write ``files`` into the repo and apply the whole repo, or change nothing at all."""
        from feast.repo_operations import apply_total_with_repo_instance
        from filelock import FileLock

        with self._lock, FileLock(str(self.path / ".griffin-apply.lock"), timeout=300):
            plan = self.plan(files)
            previous = {name: (self.path / name).read_text() if (self.path / name).is_file()
                        else None for name in [*files, *(remove or [])]}
            backups = self._backup()
            try:
                for name, text in files.items():
                    (self.path / name).write_text(text)
                for name in remove or []:
                    (self.path / name).unlink(missing_ok=True)
                contents = self._parse(self.path)
                with quiet():
                    apply_total_with_repo_instance(
                        self.store, PROJECT, self.store.registry, contents,
                        skip_source_validation=False,
                    )
            except BaseException:
                for name, text in previous.items():
                    if text is None:
                        (self.path / name).unlink(missing_ok=True)
                    else:
                        (self.path / name).write_text(text)
                self._restore(backups)
                raise
            finally:
                for backup in backups.values():
                    backup.unlink(missing_ok=True)
            self.refresh()
            return plan

    def _backup(self) -> dict[Path, Path]:
        backups = {}
        for rel in (REGISTRY, ONLINE_SQLITE):
            original = self.path / rel
            if original.is_file():
                copy = original.with_name(original.name + ".griffin-backup")
                shutil.copy2(original, copy)
                backups[original] = copy
        return backups

    def _restore(self, backups: dict[Path, Path]) -> None:
        with self._lock:
            for original, copy in backups.items():
                shutil.copy2(copy, original)
            self._store = None

    # Reading definitions back ---------------------------------------------------------
    def entity_defs(self) -> list[EntityDef]:
        from feast import ValueType

        out = []
        for e in self.store.list_entities():
            vt = e.value_type.name if isinstance(e.value_type, ValueType) else "INT64"
            out.append(EntityDef(e.name, e.join_key, vt, e.description))
        return out

    def service_specs(self) -> list[FeatureServiceSpec]:
        specs = []
        for s in self.store.list_feature_services():
            refs = []
            for proj in s.feature_view_projections:
                refs += [f"{proj.name}:{f.name}" for f in proj.features]
            specs.append(FeatureServiceSpec(
                name=s.name, features=refs, description=s.description, owner=s.owner,
                tags=dict(s.tags),
            ))
        return specs
