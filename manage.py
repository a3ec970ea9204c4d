#!/usr/bin/env python
"""Django's command-line utility for Poradnia.

In a checkout it runs on the laptop settings (poradnia.settings.dev), so every command works in a fresh clone
with nothing set. The image sets DJANGO_SETTINGS_MODULE=poradnia.settings.prod in its ENV, so a deployment
runs on production settings, which refuse to start without their secrets.
"""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "poradnia.settings.dev")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:  # a bad setting: one line, not a traceback through Django's setup
        sys.exit(f"ImproperlyConfigured: {exc}")
