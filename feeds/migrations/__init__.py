"""Alembic migrations of feedbot's database: `env.py` and one file per revision in `versions/`.

Run by `feeds.schema` (configured in code, no alembic.ini); see docs/migrations.md.
"""
