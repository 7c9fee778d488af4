"""Persistence: the tables (SQLModel definitions, Core copies), engine set-up and the queries services need."""
