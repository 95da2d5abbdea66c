"""Settings read from the environment (prefix QUANZI_) and an optional .env file."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration of a quanzi installation."""

    model_config = SettingsConfigDict(env_prefix="QUANZI_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///quanzi.db"
    # Secret that signs console session cookies; set it in production.
    secret_key: str = "quanzi-dev-secret-change-me"
    # Send the session cookie only over HTTPS; turn on behind a TLS proxy.
    cookie_secure: bool = False
    # Days are cut in the operators' local time, China Standard Time by default.
    timezone: str = "Asia/Shanghai"
    ingest_batch_size: int = 2000
    # How old (seconds) a report snapshot the console may show once new events have come
    # in. 0: always the current figures. A large store that keeps receiving events sets
    # this and refreshes the snapshots with a scheduled `quanzi analytics update`.
    report_max_age_seconds: int = 0
    # Let numpy ask for transparent huge pages during the stage recompute (its default).
    # Off, as faulting them in made the 50M rerun a quarter slower on the benchmark VM.
    numpy_huge_pages: bool = False
    host: str = "127.0.0.1"
    port: int = 8000


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once."""
    return Settings()
