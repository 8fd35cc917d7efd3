"""The Train tab's widgets (``ui/train_tab.py`` wires them to ``core.classify``)."""
