"""The storage layer: the typed ORM schema, engines, migrations, the unit of work, and every SQL statement."""
