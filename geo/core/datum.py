"""GCJ-02 <-> WGS84, vectorised. pyproj has no GCJ-02, so this module exists.

GCJ-02 is WGS84 plus an obfuscating offset of a few hundred metres, defined for
mainland China. The forward offset below is the widely published one (Krasovsky
ellipsoid constants); the inverse is solved by fixed-point iteration, which
converges to floating-point precision in a handful of steps.
"""

from __future__ import annotations

import numpy as np

_A = 6378245.0  # Krasovsky 1940 semi-major axis (m)
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    sx = np.sqrt(np.abs(x))
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx
    wave = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = dlat + wave + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = dlon + wave + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Forward transform. Accepts scalars or arrays (degrees).

    >>> lon, lat = wgs84_to_gcj02(123.43, 41.80)
    >>> round(float(lon) - 123.43, 4), round(float(lat) - 41.80, 4)
    (0.0061, 0.0024)
    """
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(
    lon, lat, *, tol: float = 1e-12, max_iter: int = 30
) -> tuple[np.ndarray, np.ndarray]:
    """Inverse transform by fixed-point iteration: find w with f(w) = g.

    Raises ``ValueError`` if it does not converge within ``max_iter`` steps.
    """
    glon = np.asarray(lon, dtype="float64")
    glat = np.asarray(lat, dtype="float64")
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(max_iter):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = flon - glon, flat - glat
        wlon = wlon - elon
        wlat = wlat - elat
        if np.all(np.abs(elon) < tol) and np.all(np.abs(elat) < tol):
            return wlon, wlat
    raise ValueError(f"GCJ-02 inverse did not converge in {max_iter} iterations")


def transform_geometry(geoms, func):
    """Apply a (lon, lat) -> (lon, lat) array function to every vertex of ``geoms``."""
    import shapely

    def _xy(coords: np.ndarray) -> np.ndarray:
        x, y = func(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, _xy)
