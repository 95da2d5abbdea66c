"""Metrics defined once over ibis tables, run on SQLite, PostgreSQL, DuckDB and Spark."""
