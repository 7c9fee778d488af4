"""The Textual coding app. It talks to services only; nothing here runs SQL or loads models itself."""
