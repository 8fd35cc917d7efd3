"""A local stand-in for the booru sites, and the synthetic full-body picture generator it serves.

``figures`` draws seeded character pictures with ground truth (no server needed);
``testing.running_fakebooru`` and ``demo.start_demo_server`` run the HTTP server. Nothing here
imports Qt or TensorFlow.
"""
