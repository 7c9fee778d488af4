"""Persistence: SQLModel tables, engine set-up and the queries services need."""
