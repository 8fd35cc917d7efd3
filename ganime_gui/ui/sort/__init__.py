"""The Sort tab's widgets (filter bar, page bar, learn-as-I-sort panel, grid) and key table."""
