"""Database access: engine.py (engine, sessions), sqlite.py (SQLite specifics), statements.py
(Core helpers for hot paths)."""
