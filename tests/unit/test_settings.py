"""The settings package: which module does what, strict env parsing, and what a deployment refuses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from poradnia.codec import generate_key
from poradnia.settings.base import BASE_DIR, Env, admins, database

ROOT = Path(__file__).resolve().parents[2]
# Served behind a TLS-terminating proxy: no redirect of its own, HSTS and secure cookies on.
BEHIND_PROXY = {
    "DJANGO_SETTINGS_MODULE": "poradnia.settings.prod",
    "DEBUG": "false",
    "SECRET_KEY": "prod-" + "q8Zr2mX7vB1nL5cT0wY4hJ6pD" * 2,
    "ALLOWED_HOSTS": "poradnia.example.org",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto,https",
    "SECURE_SSL_REDIRECT": "false",
    "CODEC_SERVER_TOKEN": "t" * 40,
    "PAYLOAD_ENCRYPTION_KEYS": f"k1:{generate_key()}",
}


def compose_default(var: str) -> str:
    match = re.search(rf"\$\{{{var}:-([^}}]+)\}}", (ROOT / "docker-compose.yml").read_text())
    assert match, var
    return match.group(1)


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """``args`` under Python with nothing of this process's Poradnia configuration, plus ``env``."""
    ours = re.compile(r"^(DJANGO_SETTINGS_MODULE|DEBUG|SECRET_KEY|ALLOWED_HOSTS|SECURE_|PAYLOAD_|CODEC_|EWOKANDA_)")
    clean = {k: v for k, v in os.environ.items() if not ours.match(k)}
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**clean, **env})


def settings_of(module: str | None, names: str, env: dict[str, str] | None = None) -> str:
    code = ("import django; django.setup(); from django.conf import settings; "
            f"print(*(getattr(settings, n) for n in {names.split()!r}))")
    if module:
        code = f"import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'poradnia.settings.{module}'; " + code
    done = run(["-c", code], env or {})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# --- modules and entry points ---------------------------------------------------------------------

@pytest.mark.real_clock  # child processes
def test_debug_is_off_unless_the_dev_module_is_chosen() -> None:
    deploy = {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "poradnia.example.org"}
    assert settings_of("base", "DEBUG SECURE_SSL_REDIRECT EWOKANDA_ALLOW_LOOPBACK", deploy) == "False True False"
    assert settings_of("prod", "DEBUG SECURE_SSL_REDIRECT EWOKANDA_ALLOW_LOOPBACK", deploy) == "False True False"
    assert settings_of("dev", "DEBUG SECURE_SSL_REDIRECT EWOKANDA_ALLOW_LOOPBACK") == "True False True"
    assert settings_of("dev", "DEBUG", {"DEBUG": "false", "SECRET_KEY": "x" * 60}) == "False"


@pytest.mark.real_clock  # child processes
def test_manage_py_in_a_checkout_runs_on_the_laptop_settings_with_nothing_set() -> None:
    done = run(["manage.py", "check"], {})
    assert done.returncode == 0, done.stderr[-2000:]
    done = run(["manage.py", "shell", "-c", "from django.conf import settings; print(settings.SETTINGS_MODULE)"], {})
    assert done.returncode == 0 and done.stdout.split()[-1] == "poradnia.settings.dev", done.stderr[-2000:]


@pytest.mark.real_clock  # child processes
def test_the_worker_wsgi_and_image_default_to_prod_which_refuses_to_start_without_secret_key_and_hosts() -> None:
    done = run(["worker.py"], {})
    assert done.returncode != 0 and "SECRET_KEY must be set" in done.stderr, done.stderr[-2000:]
    assert "poradnia.settings.dev" in done.stderr  # the hint for a developer
    done = run(["-c", "import poradnia.wsgi"], {})
    assert done.returncode != 0 and "SECRET_KEY must be set" in done.stderr, done.stderr[-2000:]
    # The image pins production in its ENV: manage.py there (migrate, watch) runs on prod too.
    env_block = (ROOT / "Dockerfile").read_text().split("\nENV ", 1)[1].split("\n\n", 1)[0]
    assert "DJANGO_SETTINGS_MODULE=poradnia.settings.prod" in env_block
    prod = {"DJANGO_SETTINGS_MODULE": "poradnia.settings.prod"}
    done = run(["manage.py", "check"], prod)
    assert done.returncode != 0 and "SECRET_KEY must be set" in done.stderr, done.stderr[-2000:]
    done = run(["manage.py", "check"], {**prod, "SECRET_KEY": "x" * 60})
    assert done.returncode != 0 and "ALLOWED_HOSTS must be set" in done.stderr
    done = run(["manage.py", "check"], {**prod, "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "poradnia.example.org"})
    assert done.returncode == 0, done.stderr


@pytest.mark.real_clock  # child processes
def test_settings_import_nothing_from_the_project() -> None:
    code = ("import sys, poradnia.settings.dev, poradnia.settings.prod; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in {'poradnia', 'activities', 'workflows'} "
            "and m not in {'poradnia', 'poradnia.settings'} and not m.startswith('poradnia.settings.')))")
    done = run(["-c", code], {**BEHIND_PROXY, "SECURE_SSL_REDIRECT": "true"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- published local-dev secrets ------------------------------------------------------------------

@pytest.mark.real_clock  # child processes
def test_the_production_environment_behind_a_tls_proxy_starts() -> None:
    done = run(["manage.py", "check"], BEHIND_PROXY)
    assert done.returncode == 0, done.stderr


@pytest.mark.real_clock  # child processes
@pytest.mark.parametrize("var", ["SECRET_KEY", "CODEC_SERVER_TOKEN", "PAYLOAD_ENCRYPTION_KEYS"])
def test_published_dev_secrets_are_refused_whenever_debug_is_off(var: str) -> None:
    """Behind a TLS proxy SECURE_SSL_REDIRECT is off: that must not switch the check off."""
    published = compose_default(var)
    for env in ({**BEHIND_PROXY, var: published},
                {**BEHIND_PROXY, var: published, "DJANGO_SETTINGS_MODULE": "poradnia.settings.dev"}):
        done = run(["manage.py", "check"], env)
        assert done.returncode != 0, f"{var} accepted with {env['DJANGO_SETTINGS_MODULE']}"
        assert f"{var}: still the local-dev default" in done.stderr, done.stderr[-2000:]
        assert published not in done.stderr.replace(f"{var}={published}", "")  # the message does not echo it


@pytest.mark.real_clock  # child processes
def test_published_dev_secrets_are_fine_with_debug_on() -> None:
    env = {var: compose_default(var) for var in ("SECRET_KEY", "CODEC_SERVER_TOKEN", "PAYLOAD_ENCRYPTION_KEYS")}
    assert settings_of("dev", "DEBUG", env) == "True"


@pytest.mark.real_clock  # child processes
def test_a_malformed_encryption_key_stops_every_entry_point() -> None:
    for entry in (["manage.py", "check"], ["worker.py"]):
        done = run(entry, {**BEHIND_PROXY, "PAYLOAD_ENCRYPTION_KEYS": "k1:not-base64!"})
        assert done.returncode != 0 and "key 'k1' is not valid base64" in done.stderr, done.stderr[-2000:]


# --- parsing --------------------------------------------------------------------------------------

def test_admins_are_parsed_as_addresses_not_split_on_commas() -> None:
    assert admins('"Kowalski, Jan" <jan@example.org>, ops@example.org') == [
        ("Kowalski, Jan", "jan@example.org"), ("ops@example.org", "ops@example.org")]
    assert admins("Poradnia admins <admins@example.org>") == [("Poradnia admins", "admins@example.org")]
    assert admins("") == []
    with pytest.raises(ImproperlyConfigured, match="'ops' is not an e-mail address"):
        admins("Ops <ops@example.org>, ops")


def test_database_urls() -> None:
    relative = database("sqlite:///var/x.sqlite3")
    assert relative["ENGINE"] == "django.db.backends.sqlite3" and relative["NAME"] == str(BASE_DIR / "var/x.sqlite3")
    assert relative["OPTIONS"] == {"timeout": 30, "transaction_mode": "IMMEDIATE",
                                   "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    assert database("sqlite:////tmp/abs.sqlite3")["NAME"] == "/tmp/abs.sqlite3"
    pg = database("postgres://app:p%40ss@db.internal:5433/poradnia?sslmode=require")
    assert {k: pg[k] for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "CONN_MAX_AGE")} == {
        "ENGINE": "django.db.backends.postgresql", "NAME": "poradnia", "USER": "app", "PASSWORD": "p@ss",
        "HOST": "db.internal", "PORT": "5433", "CONN_MAX_AGE": 0}
    assert pg["OPTIONS"] == {"connect_timeout": 10, "sslmode": "require"}
    assert database("postgresql://app@db/poradnia?connect_timeout=3")["OPTIONS"]["connect_timeout"] == 3
    with pytest.raises(ImproperlyConfigured, match="scheme 'mysql' is not supported"):
        database("mysql://u:p@h/db")
    with pytest.raises(ImproperlyConfigured, match="names no SQLite file"):
        database("sqlite://")


def test_env_values_are_strict_and_empty_means_unset() -> None:
    env = Env()
    env.ENVIRON = {"DEBUG": "ture", "ON": "Yes", "PORT": "", "S": "1e3", "BAD": "30s", "HOSTS": " a.org , b.org ,",
                   "KEY": "$SECRET_KEY"}
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG='ture' is not a boolean"):
        env.bool("DEBUG", default=False)
    assert env.bool("ON", default=False) is True
    assert env.int("PORT", default=25) == 25  # compose's `PORT=` for an unset ${PORT:-}
    assert env.float("S", default=1.0) == 1000.0
    with pytest.raises(ImproperlyConfigured, match=r"BAD='30s' is not a number"):
        env.float("BAD", default=1.0)
    with pytest.raises(ImproperlyConfigured, match=r"BAD='30s' is not an integer"):
        env.int("BAD", default=1)
    assert env.list("HOSTS", default=[]) == ["a.org", "b.org"]
    assert env.str("KEY", default="") == "$SECRET_KEY"  # no $VAR indirection for secrets
    with pytest.raises(ImproperlyConfigured, match="Set the MISSING environment variable"):
        env.str("MISSING")
