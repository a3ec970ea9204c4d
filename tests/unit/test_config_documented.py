"""Every environment variable the settings read is documented in the README's configuration table."""

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
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("| `"))


def test_the_settings_read_variables() -> None:
    assert {"SECRET_KEY", "DATABASE_URL", "OUTBOX_LEASE_S", "EWOKANDA_TOTAL_TIMEOUT"} <= variables_read()


def test_every_variable_the_settings_read_is_in_the_readme_configuration_table() -> None:
    table = configuration_table()
    missing = sorted(name for name in variables_read() if f"`{name}`" not in table)
    assert missing == [], f"add these to the README's configuration table: {missing}"


def test_every_setting_in_env_example_reaches_the_app_containers() -> None:
    """compose passes only the variables it names: one in .env.example but not in compose would be ignored."""
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", example, re.MULTILINE)) & variables_read()
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    app = compose.split("environment: &app-env\n", 1)[1].split("\n  volumes:", 1)[0]
    missing = sorted(name for name in listed if not re.search(rf"^\s+{name}:", app, re.MULTILINE))
    assert {"OUTBOX_MAX_ATTEMPTS", "OUTBOX_LEASE_S", "EWOKANDA_TOTAL_TIMEOUT"} <= listed
    assert missing == [], f"add these to docker-compose.yml's x-app environment: {missing}"


def test_the_readme_has_one_reliability_and_security_section() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = [line for line in readme.splitlines() if line.startswith("#") and "eliability" in line]
    assert headings == ["## Reliability and security"]
    section = readme.split("\n## Reliability and security\n", 1)[1].split("\n## ", 1)[0]
    for guarantee in ("delivered twice", "never lost", "hostile court page or redirect can do", "cannot do"):
        assert guarantee in section, guarantee
