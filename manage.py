#!/usr/bin/env python
"""Django's command-line utility for Poradnia."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poradnia.settings.prod")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:  # a bad setting: one line, not a traceback through Django's setup
        sys.exit(f"ImproperlyConfigured: {exc}")
