"""The local Intercom-compatible server and the synthetic inbox (demo, tests, benchmarks only).

- :mod:`~convosift.mock.catalog`: the fictional product, its areas and issue themes (read from
  ``data/mock_catalog.yaml``).
- :mod:`~convosift.mock.inbox`: :func:`~convosift.mock.inbox.generate_inbox`,
  :func:`~convosift.mock.inbox.write_inbox` and the ground truth.
- :mod:`~convosift.mock.server`: :func:`~convosift.mock.server.serve_in_thread` and the app;
  :mod:`~convosift.mock.state` holds :class:`~convosift.mock.state.MockIntercomConfig`.
- :mod:`~convosift.mock.demo`: :func:`~convosift.mock.demo.run_demo`, a backfill of the synthetic
  inbox through the server, scored against the ground truth (``convosift demo``).

Nothing here is imported by production code paths; modules are imported where they are used, so
this package stays cheap to import.
"""
