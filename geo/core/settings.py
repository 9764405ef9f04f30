"""Typed, documented defaults. Environment overrides are read at call time."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Display CRS of every committed layer.
WEB_CRS = "EPSG:4326"
#: CGCS2000 / 3-degree Gauss-Kruger CM 123E: areas, distances and print maps.
#: Liaoning spans 118.8-125.8E, so the scale error at the edges is below 0.2 %.
PROJECTED_CRS = "EPSG:4550"


# Files of the data package in ``data/indicators/`` that several stages read (the package builds and
# checks them, the measures and views read them).
DESCRIPTOR = "datapackage.json"
RECONCILIATION_FILE = "reconciliation.csv"
TARGETS_FILE = "provincial_targets.csv"
DESIGNATIONS_FILE = "designations.csv"

def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """Where the project's data lives.

    Parameters
    ----------
    data_dir
        The bundled, committed data (``data/``). Env: ``LNMAP_DATA_DIR``.
    store_dir
        Where user imports of observed values are kept. Env: ``LNMAP_STORE_DIR``.
    database_url
        The database of the store, users and audit log: empty for an SQLite file in
        ``store_dir`` (``lnmap.sqlite3``); ``postgresql://user:pass@host/db`` for a store several
        app hosts share. Env: ``LNMAP_DATABASE_URL``.
    purge_days
        Days a removed dataset can still be restored (``lnmap datasets restore``) before it is
        purged for good. Env: ``LNMAP_PURGE_DAYS``.
    require_login
        Viewing needs an account too (default: anyone may view; only editors change data).
        Env: ``LNMAP_REQUIRE_LOGIN=1``.
    trusted_user_header
        A header set by the reverse proxy in front that names the signed-in editor (e.g.
        ``X-Remote-User``); empty (default) trusts no header. Env: ``LNMAP_TRUSTED_USER_HEADER``.
    seeds_dir
        The source documents' text (``data/sources/``, committed), read to rebuild or
        re-verify the indicator tables. Env: ``LNMAP_SEEDS_DIR``.
    """

    data_dir: Path = field(default_factory=lambda: _env_path("LNMAP_DATA_DIR", REPO_ROOT / "data"))
    store_dir: Path = field(
        default_factory=lambda: _env_path("LNMAP_STORE_DIR", REPO_ROOT / "var" / "observed")
    )
    database_url: str = field(default_factory=lambda: os.environ.get("LNMAP_DATABASE_URL", "").strip())
    purge_days: float = field(default_factory=lambda: float(os.environ.get("LNMAP_PURGE_DAYS", "") or 30))
    require_login: bool = field(default_factory=lambda: os.environ.get("LNMAP_REQUIRE_LOGIN", "") in ("1", "true", "yes"))
    trusted_user_header: str = field(default_factory=lambda: os.environ.get("LNMAP_TRUSTED_USER_HEADER", "").strip())
    seeds_dir: Path = field(
        default_factory=lambda: _env_path("LNMAP_SEEDS_DIR", REPO_ROOT / "data" / "sources")
    )
    reference_dir: Path = field(
        default_factory=lambda: _env_path(
            "LNMAP_REFERENCE_DIR", REPO_ROOT.parent / "shared" / "reference"
        )
    )

    @property
    def boundaries_dir(self) -> Path:
        return self.data_dir / "boundaries"

    @property
    def indicators_dir(self) -> Path:
        return self.data_dir / "indicators"


def get_settings() -> Settings:
    """Settings with the environment as it is now."""
    return Settings()
