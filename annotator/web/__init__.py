"""The coding screen served to browsers (`annotator serve`)."""
