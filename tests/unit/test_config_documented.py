"""Every environment variable the settings read is documented in the configuration table (docs/configuration.md)."""

from __future__ import annotations

import re

from tests.support.paths import ROOT

# env.str("NAME", ...), env.bool("NAME"), env("NAME"), env.db_url_config is not a read of a variable
READ = re.compile(r"\benv(?:\.(?:str|bool|int|float|list|json|dict|url))?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")


def variables_read() -> set[str]:
    names: set[str] = set()
    for module in ("base", "dev", "prod"):
        names |= set(READ.findall((ROOT / "poradnia" / "settings" / f"{module}.py").read_text(encoding="utf-8")))
    return names


def configuration_table() -> str:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    return "\n".join(line for line in page.splitlines() if line.startswith("| `"))


def test_the_settings_read_variables() -> None:
    assert {"SECRET_KEY", "DATABASE_URL", "OUTBOX_LEASE_S", "EWOKANDA_TOTAL_TIMEOUT"} <= variables_read()


def test_every_variable_the_settings_read_is_in_the_configuration_table() -> None:
    table = configuration_table()
    missing = sorted(name for name in variables_read() if f"`{name}`" not in table)
    assert missing == [], f"add these to the configuration table in docs/configuration.md: {missing}"


def test_every_setting_in_env_example_reaches_the_app_containers() -> None:
    """compose passes only the variables it names: one in .env.example but not in compose would be ignored."""
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", example, re.MULTILINE)) & variables_read()
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    app = compose.split("environment: &app-env\n", 1)[1].split("\n  volumes:", 1)[0]
    missing = sorted(name for name in listed if not re.search(rf"^\s+{name}:", app, re.MULTILINE))
    assert {"OUTBOX_MAX_ATTEMPTS", "OUTBOX_LEASE_S", "EWOKANDA_TOTAL_TIMEOUT"} <= listed
    assert missing == [], f"add these to docker-compose.yml's x-app environment: {missing}"


def test_one_page_holds_reliability_and_security() -> None:
    page = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert page.splitlines()[0] == "# Reliability and security"
    others = [path.name for path in (ROOT / "docs").glob("*.md") if path.name != "reliability.md"
              and any(line.startswith("#") and "eliability" in line for line in path.read_text().splitlines())]
    assert others == []
    section = page.split("\n## ", 1)[0]  # the guarantees, before the outbox's own section
    for guarantee in ("delivered twice", "never lost", "hostile court page or redirect can do", "cannot do"):
        assert guarantee in section, guarantee
