"""annotator: a terminal annotation studio for news content analysis."""

__version__ = "0.1.0"
