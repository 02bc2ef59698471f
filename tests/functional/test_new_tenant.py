"""A new hospital by YAML alone: a third tenant in a temporary folder is served as is."""
import re
import shutil
from pathlib import Path

import yaml
from werkzeug.test import Client

from portal.platform import create_platform
from portal.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def test_third_tenant_from_yaml_only(tmp_path, database_url, make_account):
    tenants = tmp_path / "tenants"
    themes = tmp_path / "themes"
    shutil.copytree(REPO / "tenants", tenants)
    shutil.copytree(REPO / "themes", themes)
    (themes / "groen").mkdir()
    (themes / "groen" / "theme.css").write_text(":root { --color-primary: #1b6b3a; }\n")
    (themes / "groen" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (tenants / "zha").mkdir()
    (tenants / "zha" / "tenant.yaml").write_text(yaml.safe_dump({
        "id": "zha",
        "display_name": "Ziekenhuis Achterhoek",
        "short_name": "ZHA",
        "hostnames": ["zorgverleners.zha.example", "zha.localhost"],
        "theme": "groen",
        "branding": {"logo": "logo.svg", "logo_alt": "ZHA"},
        "helpdesk": {"name": "ZHA servicedesk", "email": "servicedesk@zha.example"},
        "menus": ["patient_search", "results"],
        "connector": {"name": "demo", "settings": {"seed": 7}},
        "auth": {"demo_login": True},
    }))
    settings = Settings.from_env(environment="testing", database_url=database_url,
                                 instance_dir=tmp_path / "instance", tenants_dir=tenants, themes_dir=themes)
    platform = create_platform(settings)
    try:
        web = Client(platform.dispatcher)
        public = web.get("/", headers={"Host": "zha.localhost"})
        assert public.status_code == 200 and 'data-testid="provider-name"' not in public.get_data(as_text=True)
        assert web.get("/uitslagen/", headers={"Host": "zha.localhost"}).status_code == 302  # login first
        account = make_account(tenant_id="zha")
        login_page = web.get("/login", headers={"Host": "zha.localhost"}).get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', login_page).group(1)
        assert web.post("/login/demo", headers={"Host": "zha.localhost"},
                        data={"account_id": account.id, "csrf_token": token}).status_code == 302
        html = web.get("/", headers={"Host": "zha.localhost"}).get_data(as_text=True)
        assert "Ziekenhuis Achterhoek" in html
        assert "Uitslagen" in html and "Zorgmomenten" not in html and "Aanvragen" not in html
        response = web.get("/thema/theme.css", headers={"Host": "zorgverleners.zha.example"}, buffered=True)
        css = response.get_data(as_text=True)
        response.close()
        assert "#1b6b3a" in css
        help_page = web.get("/problemen-met-inloggen", headers={"Host": "zha.localhost"}).get_data(as_text=True)
        assert "servicedesk@zha.example" in help_page
        # The existing hospitals are untouched.
        zgt = web.get("/", headers={"Host": "zgt.localhost"}, follow_redirects=True).get_data(as_text=True)
        assert "Ziekenhuisgroep Twente" in zgt and "Uitloggen" not in zgt  # the zha login is not zgt's
    finally:
        platform.database.dispose()
