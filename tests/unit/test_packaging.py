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


def _folder(config, name: str) -> Path:
    """The folder of package ``name`` under its package_dir root."""
    for root, prefix in sorted(_roots(config), key=lambda pair: -len(pair[1])):
        if not prefix or name == prefix or name.startswith(prefix + "."):
            rest = name[len(prefix):].lstrip(".") if prefix else name
            return root.joinpath(*rest.split(".")) if rest else root
    raise AssertionError(f"no package_dir root for {name}")


def test_setup_cfg_lists_every_package():
    """Every code package is listed; what else is listed is a folder of templates or static
    files (no Python), listed so setuptools ships it without warning about it."""
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    listed = {line.strip() for line in config["options"]["packages"].splitlines() if line.strip()}
    found = _found_packages(config)
    assert found <= listed, found - listed
    for name in listed - found:
        folder = _folder(config, name)
        assert folder.is_dir() and not any(folder.glob("*.py")), name
        assert {"templates", "static"} & set(name.split(".")), name


def test_platform_folder_is_not_a_package():
    # platform/__init__.py would shadow the standard library's 'platform' module.
    assert not (REPO / "platform" / "__init__.py").exists()
