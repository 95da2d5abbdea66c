"""Every SQLite connection quanzi opens gets WAL, foreign keys and a large page cache."""

from __future__ import annotations

from pathlib import Path

from quanzi.store.db import SQLITE_CACHE_KIB, get_engine


def test_a_sqlite_connection_gets_wal_foreign_keys_and_the_large_page_cache(tmp_path: Path) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as connection:
        read = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "cache_size")
        }
    engine.dispose()
    # A negative cache_size is a size in KiB; SQLite's default is -2000 (2 MB).
    assert read == {"journal_mode": "wal", "foreign_keys": 1, "cache_size": -SQLITE_CACHE_KIB}
