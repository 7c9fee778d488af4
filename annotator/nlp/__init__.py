"""spaCy and the suggesters. Heavy imports happen inside functions, so importing this is cheap."""
