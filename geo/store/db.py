"""The database: one engine per database URL, its schema kept current by alembic.

By default an SQLite file inside the store folder (``<LNMAP_STORE_DIR>/lnmap.sqlite3``:
nothing to set up); ``LNMAP_DATABASE_URL=postgresql://user:pass@host/db`` for a store that
several app hosts share. The schema is versioned (``geo/migrations``); the first use in a
process brings it to the newest version (``lnmap db upgrade`` does the same by hand), under a
lock so that workers and hosts starting together migrate once. A store of files made before
the database (``obs-*.csv`` + ``obs-*.json``, ``active.json``) is copied in then, once; the
files are left where they are.

Every change is one transaction: a process killed in the middle leaves nothing behind.
Database errors become :class:`~geo.core.errors.StoreError` with the reason (full, read-only,
unavailable) so an interface can say it in the user's language.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine

from geo.core.errors import StoreError
from geo.core.settings import Settings, get_settings

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_FILE = "lnmap.sqlite3"

metadata = sa.MetaData()
TIME = sa.String(32)
datasets = sa.Table(
    "datasets", metadata,
    sa.Column("id", sa.String(64), primary_key=True), sa.Column("source", sa.Text), sa.Column("file_name", sa.Text),
    sa.Column("file_sha256", sa.String(64)), sa.Column("imported_at", TIME), sa.Column("imported_by", sa.String(128)),
    sa.Column("meta", sa.Text), sa.Column("deleted_at", TIME), sa.Column("deleted_by", sa.String(128)),
)
OBSERVATION_COLUMNS = ["adcode", "city_zh", "pollutant", "indicator_id", "year", "value", "unit", "value_as_given",
                       "unit_as_given", "conversion", "flag", "source_row", "source"]
observations = sa.Table(
    "observations", metadata,
    sa.Column("dataset_id", sa.String(64), primary_key=True), sa.Column("row_no", sa.Integer, primary_key=True),
    *(sa.Column(c, sa.Integer if c in ("year", "source_row") else sa.Float(53) if c == "value" else sa.Text)
      for c in OBSERVATION_COLUMNS),
)
store_state = sa.Table("store_state", metadata, sa.Column("key", sa.String(64), primary_key=True),
                       sa.Column("value", sa.Text))
file_imports = sa.Table("file_imports", metadata, sa.Column("dataset_id", sa.String(64), primary_key=True),
                        sa.Column("migrated_at", TIME))
users = sa.Table(
    "users", metadata, sa.Column("name", sa.String(64), primary_key=True), sa.Column("password_hash", sa.Text),
    sa.Column("role", sa.String(16)), sa.Column("created_at", TIME), sa.Column("created_by", sa.String(128)),
)
audit = sa.Table(
    "audit", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=True), sa.Column("at", TIME),
    sa.Column("actor", sa.String(128)), sa.Column("action", sa.String(32)), sa.Column("dataset_id", sa.String(64)),
    sa.Column("file_name", sa.Text), sa.Column("file_sha256", sa.String(64)), sa.Column("detail", sa.Text),
)


# Plan periods (migration 0002): a later plan's per-city targets, one row per city x indicator x years.
plans = sa.Table(
    "plans", metadata, sa.Column("name", sa.String(64), primary_key=True), sa.Column("file_name", sa.Text),
    sa.Column("file_sha256", sa.String(64)), sa.Column("imported_at", TIME), sa.Column("imported_by", sa.String(128)),
    sa.Column("meta", sa.Text),
)
PLAN_TARGET_COLUMNS = ["adcode", "city_zh", "grp", "kind", "indicator_id", "base_year", "target_year", "value", "unit",
                       "value_as_given", "unit_as_given", "conversion", "citation", "source_row"]
plan_targets = sa.Table(
    "plan_targets", metadata,
    sa.Column("plan", sa.String(64), primary_key=True), sa.Column("row_no", sa.Integer, primary_key=True),
    *(sa.Column(c, sa.Integer if c in ("base_year", "target_year", "source_row") else sa.Float(53) if c == "value"
                else sa.Text) for c in PLAN_TARGET_COLUMNS),
)


def now_text(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def database_url(settings: Settings | None = None) -> str:
    """The configured URL, else the SQLite file in the store folder."""
    settings = settings or get_settings()
    url = settings.database_url
    if not url:
        return f"sqlite:///{settings.store_dir / SQLITE_FILE}"
    if url.startswith(("postgresql://", "postgres://")):  # psycopg 3, not SQLAlchemy's default psycopg2
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def describe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return "the configured database"


_LOCK = threading.Lock()
_ENGINES: dict[tuple[str, int], Engine] = {}


def engine(settings: Settings | None = None) -> Engine:
    """The engine for the settings' database, its schema current (migrated on first use in a process).

    Engines are per process: a worker forked from a parent that had one opens its own.
    """
    settings = settings or get_settings()
    url = database_url(settings)
    key = (url, os.getpid())
    with _LOCK:
        eng = _ENGINES.get(key)
        if eng is None:
            for (other_url, pid), old in list(_ENGINES.items()):
                if pid != key[1]:  # inherited through fork: drop without closing the parent's connections
                    old.dispose(close=False)
                    del _ENGINES[(other_url, pid)]
            with errors(url, "open the database"):
                eng = _create_engine(url)
                upgrade(eng, settings)
            _ENGINES[key] = eng
    return eng


def after_fork() -> None:
    """In a forked child (a gunicorn worker): drop the engines inherited from the parent without closing
    the parent's connections (``dispose(close=False)``); the child opens its own on first use."""
    with _LOCK:
        for key, eng in list(_ENGINES.items()):
            if key[1] != os.getpid():
                eng.dispose(close=False)
                del _ENGINES[key]


def dispose_all() -> None:
    """Close every engine of this process (tests; a server shutting down)."""
    with _LOCK:
        for key, eng in list(_ENGINES.items()):
            if key[1] == os.getpid():
                eng.dispose()
            del _ENGINES[key]


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = sa.make_url(url).database
        if path and path != ":memory:" and not url.startswith("sqlite:///file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # NullPool: a connection per use, closed after it (SQLite opens in microseconds; nothing lingers
        # across a fork or after a test).
        eng = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"timeout": 30})

        @event.listens_for(eng, "connect")
        def _connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # pysqlite's own BEGIN handling off: we emit BEGIN below
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                with contextlib.suppress(Exception):  # a read-only file keeps its journal mode
                    cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @event.listens_for(eng, "begin")
        def _begin(conn):
            # A writer takes the write lock at BEGIN, so two writers wait for each other (busy_timeout)
            # instead of one failing when it upgrades a read lock.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("lnmap_write") else "BEGIN")

        return eng
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


@contextlib.contextmanager
def errors(url: str, what: str) -> Iterator[None]:
    """Turn a database or file-system error into a StoreError saying what could not be done and why."""
    try:
        yield
    except exc.DBAPIError as e:
        reason, why = _reason(e)
        raise StoreError(f"cannot {what}: {why} ({describe(url)}: {str(e.orig).strip().splitlines()[0]})",
                         reason) from e
    except exc.SQLAlchemyError as e:
        raise StoreError(f"cannot {what}: {e} ({describe(url)})", "other") from e
    except OSError as e:
        reason = "full" if e.errno in (28, 122) else "read_only" if e.errno in (1, 13, 30) else "other"
        why = {"full": "the disk is full", "read_only": "the store is read-only or not writable"}.get(reason, str(e))
        raise StoreError(f"cannot {what}: {why} ({describe(url)}: {e.strerror or e})", reason) from e


def _reason(e: exc.DBAPIError) -> tuple[str, str]:
    text = str(e.orig).lower()
    code = getattr(e.orig, "sqlstate", None) or ""
    if "readonly" in text or "read-only" in text or code == "25006":
        return "read_only", "the store is read-only or not writable"
    if "disk is full" in text or "no space" in text or code.startswith("53"):
        return "full", "the disk is full"
    if isinstance(e, exc.OperationalError) and ("unable to open" in text or "connection" in text
                                                  or code.startswith("08")):
        return "unavailable", "the database cannot be reached"
    return "other", "the database refused the change"


@contextlib.contextmanager
def reading(settings: Settings | None = None, what: str = "read the store") -> Iterator[Connection]:
    eng = engine(settings)
    with errors(str(eng.url), what), eng.connect() as conn:
        yield conn


@contextlib.contextmanager
def writing(settings: Settings | None = None, what: str = "change the store") -> Iterator[Connection]:
    """One transaction that takes the write lock at its start; committed when the block ends."""
    eng = engine(settings)
    with errors(str(eng.url), what), eng.connect() as conn:
        conn.execution_options(lnmap_write=True)
        with conn.begin():
            yield conn


# --------------------------------------------------------------------------- schema


def _alembic_config(conn: Connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    if head is None:
        raise RuntimeError(f"no migration under {MIGRATIONS}")
    return head


def current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def upgrade(eng: Engine, settings: Settings | None = None) -> str:
    """Bring the schema to the newest version (a no-op when it is), then copy in a file store once."""
    from alembic import command

    settings = settings or get_settings()
    head = head_revision()
    with eng.connect() as conn:
        current = current_revision(conn)
        conn.rollback()
    if current == head and not _file_store(settings):
        return head
    with _file_lock(eng), eng.connect() as conn:
        conn.execution_options(lnmap_write=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":  # hosts starting together: one migrates, the others wait
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(7243180021)"))
            if current_revision(conn) != head:
                log.info("database %s: migrating the schema to %s", describe(str(eng.url)), head)
                command.upgrade(_alembic_config(conn), "head")
            migrate_file_store(conn, settings)
    return head


@contextlib.contextmanager
def _file_lock(eng: Engine) -> Iterator[None]:
    """Processes on one machine migrating one SQLite file take turns (PostgreSQL locks in the database)."""
    path = eng.url.database if eng.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file:"):
        yield
        return
    with open(f"{path}.migrate-lock", "a+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- the file store, once


def _file_store(settings: Settings) -> list[Path]:
    root = settings.store_dir
    try:
        return sorted(root.glob("obs-*.json")) if root.is_dir() else []
    except OSError:
        return []


def migrate_file_store(conn: Connection, settings: Settings) -> int:
    """Copy the datasets of a file store (``obs-*.csv`` + ``.json``, ``active.json``) into the database.

    Each dataset keeps its id, metadata and rows; one already copied (listed in ``file_imports``)
    is never copied again, so a dataset removed and purged later does not come back. The files are
    left in place. A record that cannot be read is logged and skipped, as the file store did.
    """
    import pandas as pd

    copied = 0
    done = {r[0] for r in conn.execute(sa.select(file_imports.c.dataset_id))}
    for path in _file_store(settings):
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
            dataset_id = meta["dataset_id"]
            if dataset_id in done or path.stem != dataset_id:
                continue
            rows = pd.read_csv(path.with_name(meta["data_file"]), dtype={"adcode": str, "flag": str},
                               keep_default_na=False)
        except (OSError, ValueError, KeyError, TypeError) as e:
            log.warning("file store: %s not copied into the database (%s)", path.name, e)
            continue
        meta = {k: v for k, v in meta.items() if k not in ("data_file", "same_file_as", "activated")}
        insert_dataset(conn, meta, rows, actor="migration")
        conn.execute(file_imports.insert().values(dataset_id=dataset_id, migrated_at=now_text()))
        conn.execute(audit.insert().values(at=now_text(), actor="migration", action="migrate", dataset_id=dataset_id,
                                           file_name=meta.get("file_name"), file_sha256=meta.get("file_sha256"),
                                           detail=f"copied from the file store {path.parent.name}/{path.name}"))
        copied += 1
    active = settings.store_dir / "active.json"
    if copied and active.exists() and get_state(conn, "active_dataset") is None:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            chosen = json.loads(active.read_text(encoding="utf-8")).get("dataset_id")
            if chosen and conn.execute(sa.select(datasets.c.id).where(datasets.c.id == chosen)).first():
                set_state(conn, "active_dataset", chosen)
    if copied:
        log.warning("file store: %d dataset(s) copied into the database; the files are kept", copied)
    return copied


def insert_dataset(conn: Connection, meta: dict, rows, *, actor: str) -> None:
    conn.execute(datasets.insert().values(
        id=meta["dataset_id"], source=meta["source"], file_name=meta.get("file_name", ""),
        file_sha256=meta["file_sha256"], imported_at=meta["imported_at"], imported_by=meta.get("imported_by", actor),
        meta=json.dumps(meta, ensure_ascii=False)))
    records = rows[OBSERVATION_COLUMNS].to_dict("records")
    for i, r in enumerate(records):
        r.update(dataset_id=meta["dataset_id"], row_no=i, adcode=str(r["adcode"]), year=int(r["year"]),
                 value=float(r["value"]), source_row=int(r["source_row"]),
                 **{c: "" if r[c] is None or r[c] != r[c] else str(r[c])
                    for c in ("city_zh", "pollutant", "indicator_id", "unit", "value_as_given", "unit_as_given",
                              "conversion", "flag", "source")})
    if records:
        conn.execute(observations.insert(), records)


def get_state(conn: Connection, key: str) -> str | None:
    row = conn.execute(sa.select(store_state.c.value).where(store_state.c.key == key)).first()
    return row[0] if row else None


def set_state(conn: Connection, key: str, value: str | None) -> None:
    conn.execute(store_state.delete().where(store_state.c.key == key))
    conn.execute(store_state.insert().values(key=key, value=value))


def record(conn: Connection, actor: str, action: str, *, dataset_id: str | None = None, file_name: str | None = None,
           file_sha256: str | None = None, detail: str | None = None) -> None:
    """One line of the audit log, in the transaction of the change it records."""
    conn.execute(audit.insert().values(at=now_text(), actor=actor, action=action, dataset_id=dataset_id,
                                       file_name=file_name, file_sha256=file_sha256, detail=detail))


def audit_log(settings: Settings | None = None, *, limit: int = 100) -> list[dict]:
    """The newest ``limit`` lines of the audit log, newest first."""
    with reading(settings, "read the audit log") as conn:
        rows = conn.execute(sa.select(audit).order_by(audit.c.id.desc()).limit(limit)).mappings().all()
    return [dict(r) for r in rows]
