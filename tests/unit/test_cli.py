"""The portal command: tenants check and db upgrade, as hospital IT runs them."""
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def run_portal(*args, env_extra=None, tmp_path=None):
    import os

    env = {**os.environ, "PORTAL_ENV": "testing", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "portal", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path or REPO, timeout=120)


def test_tenants_check_passes_on_repository():
    result = run_portal("tenants", "check")
    assert result.returncode == 0, result.stderr
    assert "ok: zgt" in result.stdout and "ok: mst" in result.stdout


def test_tenants_check_names_file_and_misspelt_key(tmp_path):
    tenants = tmp_path / "tenants"
    shutil.copytree(REPO / "tenants", tenants)
    path = tenants / "mst" / "tenant.yaml"
    data = yaml.safe_load(path.read_text())
    data["sesions"] = data.pop("sessions")
    path.write_text(yaml.safe_dump(data))
    result = run_portal("tenants", "check", env_extra={"PORTAL_TENANTS_DIR": str(tenants)})
    assert result.returncode != 0
    assert "mst/tenant.yaml" in result.stderr and "sesions" in result.stderr and "unknown key" in result.stderr


def test_db_upgrade_on_a_new_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    result = run_portal("db", "upgrade", env_extra={"DATABASE_URL": url, "PORTAL_INSTANCE_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "database at revision" in result.stdout
    current = run_portal("db", "current", env_extra={"DATABASE_URL": url})
    assert current.stdout.strip() == result.stdout.strip().rsplit(" ", 1)[-1]


def test_run_refuses_broken_configuration(tmp_path):
    tenants = tmp_path / "tenants"
    shutil.copytree(REPO / "tenants", tenants)
    (tenants / "zgt" / "tenant.yaml").write_text("id: [zgt\n")
    result = run_portal("routes", env_extra={"PORTAL_TENANTS_DIR": str(tenants),
                                             "PORTAL_INSTANCE_DIR": str(tmp_path / "i")})
    assert result.returncode != 0
    assert "zgt/tenant.yaml" in result.stderr and "not valid YAML" in result.stderr
