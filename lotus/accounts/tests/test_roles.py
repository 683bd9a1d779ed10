import re
from pathlib import Path

from lotus.accounts.roles import ROLE_CAPABILITIES, Capability, Role

README = Path(__file__).resolve().parents[3] / "README.md"


def _readme_role_table() -> dict[str, frozenset[str]]:
    text = README.read_text(encoding="utf-8")
    table = re.search(r"<!-- role-table -->\n(.*?)<!-- /role-table -->", text, re.S).group(1)
    lines = [line.strip().strip("|").split("|") for line in table.strip().splitlines()]
    header = [cell.strip().replace(" ", "_") for cell in lines[0]][1:]
    table_caps = {}
    for cells in lines[2:]:
        role, *marks = (cell.strip() for cell in cells)
        table_caps[role] = frozenset(
            capability for capability, mark in zip(header, marks, strict=True) if mark == "yes"
        )
    return table_caps


def test_readme_role_table_matches_role_capabilities():
    assert _readme_role_table() == {str(r): caps for r, caps in ROLE_CAPABILITIES.items()}


def test_readme_role_table_names_every_capability():
    text = README.read_text(encoding="utf-8")
    header = re.search(r"<!-- role-table -->\n(.*?)\n", text).group(1)
    assert [c.strip().replace(" ", "_") for c in header.strip("|").split("|")][1:] == list(
        Capability.values
    )


def test_every_role_has_capabilities_listed():
    assert set(ROLE_CAPABILITIES) == set(Role.values)


def test_only_the_sensitive_programme_manager_both_runs_programmes_and_reads_restricted_facts():
    both = {
        role
        for role, caps in ROLE_CAPABILITIES.items()
        if {Capability.MANAGE_PROGRAMMES, Capability.READ_SENSITIVE} <= caps
    }

    assert both == {Role.SENSITIVE_PROGRAMME_MANAGER}


def test_sensitive_programme_manager_is_the_programme_manager_plus_restricted_facts():
    assert ROLE_CAPABILITIES[Role.SENSITIVE_PROGRAMME_MANAGER] == ROLE_CAPABILITIES[
        Role.PROGRAMME_MANAGER
    ] | {Capability.READ_SENSITIVE}
