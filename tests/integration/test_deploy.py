"""Deployment: the compose file (validated offline), production settings, TLS/API-key config, the web server."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from temporalio.service import TLSConfig

from devtools.devserver import free_port, wait_for_port
from devtools.processes import ROOT
from poradnia.probe import probe
from poradnia.temporal import client_connect_config

SERVICES = {"postgres", "temporal", "temporal-ui", "admin-tools", "migrate", "worker", "watch", "web", "mailpit"}
LONG_RUNNING = SERVICES - {"migrate"}
SECRET_VARS = ("SECRET_KEY", "POSTGRES_PASSWORD", "APP_DB_PASSWORD", "CODEC_SERVER_TOKEN", "PAYLOAD_ENCRYPTION_KEYS")
STRONG_KEY = "prod-" + "9f3kQ7zR2mX8vB1nL5cT0wY4hJ6pD" * 2  # 65 varied characters, as check --deploy wants
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "poradnia.settings.prod",  # what the image sets (pytest's own is dev)
    "DEBUG": "false",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "poradnia.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://poradnia.example.org",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto,https",
}


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that configures Poradnia, plus ``extra``."""
    ours = re.compile(r"^(DEBUG|SECRET_KEY|ALLOWED_HOSTS|CSRF_|SECURE_|TEMPORAL_|PAYLOAD_|CODEC_|STATIC_ROOT)")
    return {**{k: v for k, v in os.environ.items() if not ours.match(k)}, **extra}


# --- docker-compose.yml ---------------------------------------------------------------------------

@functools.cache
def empty_env_file() -> Path:
    handle, name = tempfile.mkstemp(prefix="poradnia-", suffix=".env")
    os.close(handle)
    return Path(name)


def compose(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Debian's docker-compose (installed by `make compose-check`): parses, validates and interpolates offline."""
    binary = shutil.which("docker-compose")
    if binary is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("docker-compose is not installed: `make compose-check` installs it")
        pytest.skip("docker-compose not installed (make compose-check installs it)")
    # No .env from the developer's checkout: the file's own defaults (or `env`) are what is validated.
    return subprocess.run([binary, "-f", str(ROOT / "docker-compose.yml"), "--project-directory", str(ROOT),
                           "--env-file", str(empty_env_file()), *args],
                          capture_output=True, text=True, timeout=120, env=clean_env(**(env or {})))


def resolved(env: dict[str, str] | None = None) -> dict:
    done = compose("config", env=env)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


@pytest.mark.real_clock  # child processes
def test_the_compose_validator_lists_every_service() -> None:
    done = compose("config", "--services")
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == SERVICES


@pytest.mark.real_clock  # child processes
def test_compose_topology_health_and_order() -> None:
    services = resolved()["services"]
    assert services["temporal"]["image"].startswith("temporalio/auto-setup:")
    assert services["temporal"]["environment"]["DB"] == "postgres12"
    assert services["temporal-ui"]["image"].startswith("temporalio/ui:")
    assert services["admin-tools"]["image"].startswith("temporalio/admin-tools:")
    assert services["mailpit"]["image"].startswith("axllent/mailpit:")
    for name in LONG_RUNNING:
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    worker = services["worker"]
    assert "container_name" not in worker and "ports" not in worker  # --scale worker=3 must work
    assert services["watch"]["command"][:3] == ["python", "manage.py", "watch"]  # sees a dead worker
    for name in ("worker", "watch", "web"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["depends_on"]["temporal"]["condition"] == "service_healthy"
        assert services[name]["image"] == services["migrate"]["image"]  # one image for every process
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["temporal"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["web"]["command"][0] == "gunicorn"
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]
    assert worker["environment"]["DEBUG"] == "false" and worker["environment"]["PAYLOAD_ENCRYPTION_KEYS"]
    published = [p for s in services.values() for p in s.get("ports", [])]
    assert published and all(str(p).startswith("127.0.0.1:") for p in published)


@pytest.mark.real_clock  # child processes
def test_every_compose_secret_is_a_marked_local_dev_default_that_env_overrides() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    lines = text.splitlines()
    for i, line in enumerate(lines):
        for var in SECRET_VARS:
            if f"${{{var}:-" in line:
                context = line + (lines[i - 1] if i else "")
                assert "local-dev only" in context, f"line {i + 1}: default of {var} not marked local-dev only"
    defaults = resolved()["services"]
    assert "local-dev-only" in defaults["web"]["environment"]["SECRET_KEY"]
    real = {var: f"real-{var.lower()}" for var in SECRET_VARS}
    real["PAYLOAD_ENCRYPTION_KEYS"] = "k1:" + "A" * 43 + "="
    overridden = yaml.safe_dump(resolved(env=real))
    assert "local-dev-only" not in overridden and "bG9jYWwtZGV2" not in overridden
    assert all(value in overridden for value in real.values())


def test_dockerfile_runs_as_a_non_root_user_and_downloads_only_from_the_package_index() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert not re.search(r"\b(curl|wget|apt-get|ADD\s+https?://)", dockerfile)
    assert "pip install -r" in dockerfile and "collectstatic" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", ".git", "var"} <= set(ignored)
    assert {"tests", "devtools", "bench"} <= set(ignored)  # dev and test tooling stays out of the image


# --- production settings --------------------------------------------------------------------------

def compose_default(var: str) -> str:
    """The ``${VAR:-default}`` default docker-compose.yml gives ``var``."""
    match = re.search(rf"\$\{{{var}:-([^}}]+)\}}", (ROOT / "docker-compose.yml").read_text())
    assert match, var
    return match.group(1)


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=clean_env(**env))


@pytest.mark.real_clock  # child processes
def test_check_deploy_is_clean_with_the_production_environment() -> None:
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.real_clock  # child processes
@pytest.mark.parametrize(("extra", "problem"), [
    ({"SECURE_SSL_REDIRECT": "false"}, "security.W008"),
    ({"SECURE_COOKIES": "false"}, "security.W012"),
    ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
    ({"SECRET_KEY": ""}, "SECRET_KEY must be set in production"),
    ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set in production"),
    ({"SECRET_KEY": "local-dev-only-insecure-secret-key-change-me-in-dot-env-0123456789"},
     "SECRET_KEY: still the local-dev default"),
    ({"CODEC_SERVER_TOKEN": "local-dev-only-codec-token"}, "CODEC_SERVER_TOKEN: still the local-dev default"),
    ({"PAYLOAD_ENCRYPTION_KEYS": compose_default("PAYLOAD_ENCRYPTION_KEYS")},
     "PAYLOAD_ENCRYPTION_KEYS: still the local-dev default"),
    ({"PAYLOAD_ENCRYPTION_KEYS": "k1:not-base64!"}, "key 'k1' is not valid base64"),
    ({"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}, "use <header>,<value>"),
])
def test_check_deploy_fails_on_each_weakened_setting(extra: dict[str, str], problem: str) -> None:
    done = manage("check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION_ENV, **extra})
    assert done.returncode != 0 and problem in done.stdout + done.stderr


# --- Temporal connection from the environment -----------------------------------------------------

def test_client_connect_config_reads_api_key_and_tls_paths_from_env(monkeypatch, tmp_path: Path, settings) -> None:
    files = {}
    for name in ("client.pem", "client.key", "ca.pem"):
        files[name] = tmp_path / name
        files[name].write_bytes(f"-----{name}-----".encode())
    settings.TEMPORAL_ADDRESS, settings.TEMPORAL_NAMESPACE = "temporal.internal:7233", "poradnia"
    monkeypatch.setenv("TEMPORAL_TLS_CLIENT_CERT_PATH", str(files["client.pem"]))
    monkeypatch.setenv("TEMPORAL_TLS_CLIENT_KEY_PATH", str(files["client.key"]))
    monkeypatch.setenv("TEMPORAL_TLS_SERVER_CA_CERT_PATH", str(files["ca.pem"]))
    monkeypatch.setenv("TEMPORAL_TLS_SERVER_NAME", "temporal.internal")
    mtls = client_connect_config()
    assert (mtls["target_host"], mtls["namespace"]) == ("temporal.internal:7233", "poradnia")
    assert mtls["tls"] == TLSConfig(client_cert=b"-----client.pem-----", client_private_key=b"-----client.key-----",
                                    server_root_ca_cert=b"-----ca.pem-----", domain="temporal.internal")
    assert "api_key" not in mtls

    for name in ("CERT", "KEY", "SERVER_CA_CERT"):
        monkeypatch.delenv(f"TEMPORAL_TLS_{'CLIENT_' if name != 'SERVER_CA_CERT' else ''}{name}_PATH")
    monkeypatch.delenv("TEMPORAL_TLS_SERVER_NAME")
    monkeypatch.setenv("TEMPORAL_API_KEY", "cloud-api-key")
    cloud = client_connect_config()
    assert cloud["api_key"] == "cloud-api-key" and cloud["tls"] is True  # the key switches TLS on


def test_empty_temporal_variables_mean_unset(monkeypatch, settings) -> None:
    """docker-compose passes ``TEMPORAL_API_KEY=`` for every unset one; that must not mean "TLS from path ''"."""
    settings.TEMPORAL_ADDRESS = "temporal:7233"
    for var in ("TEMPORAL_API_KEY", "TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CLIENT_KEY_PATH",
                "TEMPORAL_TLS_SERVER_CA_CERT_PATH", "TEMPORAL_TLS_SERVER_NAME"):
        monkeypatch.setenv(var, "")
    config = client_connect_config()
    assert config["target_host"] == "temporal:7233" and "tls" not in config and "api_key" not in config


# --- the web process as the image runs it ---------------------------------------------------------

@pytest.fixture
def gunicorn_web(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """collectstatic + gunicorn with the production environment, as the image and compose's web service do."""
    env = {**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path / "static"), "CODEC_SERVER_TOKEN": "t" * 40,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'web.sqlite3'}", "PORADNIA_DATA_DIR": str(tmp_path)}
    done = manage("collectstatic", "--noinput", env=env)
    assert done.returncode == 0, done.stderr
    port = free_port()
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "poradnia.wsgi:application", "--bind",
                            f"127.0.0.1:{port}", "--workers", "1"], cwd=ROOT, env=clean_env(**env),
                           stdout=subprocess.DEVNULL, stderr=open(tmp_path / "gunicorn.log", "wb"))  # noqa: SIM115
    try:
        wait_for_port("127.0.0.1", port, 60, web)
        yield f"http://127.0.0.1:{port}", env
    finally:
        web.terminate()
        web.wait(30)


def fetch(url: str, headers: dict[str, str], method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers, method=method, data=b"{}" if method == "POST" else None)
    for _ in range(50):
        try:
            with opener.open(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()
        except ConnectionError:
            time.sleep(0.1)  # the port is open a moment before the worker process accepts
    raise AssertionError(f"{url} never answered")


@pytest.mark.real_clock  # child processes
def test_gunicorn_serves_the_admin_static_files_and_the_codec_server_securely(gunicorn_web) -> None:
    base, env = gunicorn_web
    proxied = {"Host": "poradnia.example.org", "X-Forwarded-Proto": "https"}
    status, headers, body = fetch(f"{base}/admin/login/", proxied)
    assert status == 200 and b"csrfmiddlewaretoken" in body
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Secure" in headers["Set-Cookie"] and headers["X-Frame-Options"] == "DENY"
    css = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', body)
    assert css, "admin CSS not under a hashed (manifest) name"
    status, headers, _ = fetch(base + css.group(1).decode(), proxied)
    assert status == 200 and "immutable" in headers["Cache-Control"]  # whitenoise, cacheable forever

    assert fetch(f"{base}/admin/login/", {"Host": "poradnia.example.org"})[0] == 301  # plain http -> https
    assert fetch(f"{base}/admin/login/", {"Host": "intruder.example", "X-Forwarded-Proto": "https"})[0] == 400
    assert fetch(f"{base}/codec/decode", proxied, method="POST")[0] == 401  # the codec server needs a token
    assert probe(f"{base}/admin/login/", headers=proxied) is None
    assert probe(f"{base}/admin/login/", headers={"Host": "intruder.example"}) is not None
