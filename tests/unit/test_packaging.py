"""setup.cfg lists packages explicitly; every package folder must be listed."""
import configparser
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _roots(config) -> list[tuple[Path, str]]:
    """(folder, package name prefix) of every package_dir entry: '=platform' is the source
    root, 'name = folder' maps a package (portal_connectors, portal_uzi_login) to a folder."""
    roots = []
    for line in config["options"]["package_dir"].splitlines():
        name, _, folder = (part.strip() for part in line.partition("="))
        if folder:
            roots.append((REPO / folder, name))
    return roots


def _found_packages(config) -> set[str]:
    found = set()
    for root, prefix in _roots(config):
        for init in root.rglob("__init__.py"):
            rel = init.parent.relative_to(root).parts
            if "__pycache__" in rel:
                continue
            name = ".".join(((prefix,) if prefix else ()) + rel)
            found.add(name or prefix)
    return found


def test_setup_cfg_lists_every_package():
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    listed = {line.strip() for line in config["options"]["packages"].splitlines() if line.strip()}
    assert _found_packages(config) == listed


def test_platform_folder_is_not_a_package():
    # platform/__init__.py would shadow the standard library's 'platform' module.
    assert not (REPO / "platform" / "__init__.py").exists()
