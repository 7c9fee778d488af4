"""Pure domain logic: no database, terminal or model imports (a test enforces it)."""
