"""Transfer-learning classifiers: data, backbones, the frozen-feature cache, training and Apply.

TensorFlow is imported only inside functions (through ``ganime_gui.core.tfsetup``), so importing
this package stays cheap and the window starts without it.
"""
