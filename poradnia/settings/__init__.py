"""Poradnia's settings: ``base`` (shared, production-safe), ``dev`` (a laptop, the test suite), ``prod`` (deployments).

``DJANGO_SETTINGS_MODULE`` picks one; manage.py, worker.py and the WSGI app default to ``poradnia.settings.prod``,
``make dev``/``make demo``, pytest and the benchmarks select ``poradnia.settings.dev`` (README "Configuration").
"""
