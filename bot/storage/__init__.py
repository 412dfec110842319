"""Persistence: the typed ORM schema, engines and migrations, and small repository functions."""
