"""Poradnia's settings: ``base`` (shared, production-safe), ``dev`` (a laptop, the test suite), ``prod`` (deployments).

``DJANGO_SETTINGS_MODULE`` picks one. manage.py defaults to ``poradnia.settings.dev`` (a checkout works with nothing
set), as do ``make dev``/``make demo``, pytest and the benchmarks; worker.py and the WSGI app default to
``poradnia.settings.prod``, and the image pins it in its ENV (docs/configuration.md).
"""
