"""A local stand-in for the booru sites, and the synthetic full-body picture generator it serves.

Nothing here imports Qt or TensorFlow.

* ``figures``: seeded character pictures with ground truth, no server needed:
  ``FigureSpec`` (+ ``tags()``), ``random_spec(rng)``, ``draw_figure(spec, w, h, seed)``,
  ``write_image_folder(out_dir, count, seed, ...) -> ground_truth.csv path``, ``read_ground_truth``.
* ``server.FakeBooruServer(profile, posts, seed, *, port, faults, latency_ms, bandwidth_kbps,
  deep_limit, max_limit, rate_limit, min_height, max_height, api_user, api_key, api_level)``: the HTTP
  server on 127.0.0.1, with ``.base_url``, ``.stats``, ``.set_faults(spec)``, ``.dataset``,
  ``.options`` and ``.start()``/``.shutdown()``.
* ``testing.running_fakebooru(profile="safebooru", posts=200, seed=1, faults=None, **options)``:
  the same in a ``with`` block (small pictures by default); the ``fakebooru`` pytest fixture in
  ``tests/conftest.py`` is a factory over it.
* ``demo.start_demo_server(profile="safebooru", posts=2000, seed=1, **options)``: for ``--demo``.
* Profiles (``profiles/``): safebooru (Gelbooru 0.2 as safebooru.org), gelbooru (gelbooru.com),
  danbooru (accounts: ``api_user``/``api_key``/``api_level``, see ``profiles/danbooru``),
  moebooru. Query language: ``query``. Fault spec syntax: ``faults``.
* Command line: ``ganime fakebooru --help``.
"""
