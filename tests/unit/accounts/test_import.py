"""``portal accounts import|list``: the ZorgNetOost registration file, all or nothing."""
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select

from portal.accounts.models import Account
from portal.cli import cli
from support.access import is_logged_in

HEADER = "uzi_number,agb_code,name,role,practice_name,practice_agb,status\n"


@pytest.fixture
def run(platform, db_session):
    root = Flask("probe")
    root.extensions["portal.platform"] = platform

    def invoke(*args):
        return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: root), catch_exceptions=False)

    return invoke


@pytest.fixture
def csv_file(tmp_path):
    def write(*lines, header=HEADER):
        path = tmp_path / "zno.csv"
        path.write_text(header + "".join(line + "\n" for line in lines), encoding="utf-8")
        return str(path)
    return write


def accounts(platform, tenant="zgt"):
    with platform.database.session() as session:
        return {a.uzi_number: (a.name, a.role, a.active) for a in
                session.scalars(select(Account).where(Account.tenant_id == tenant))}


GP = "900200001,01234567,Dr. A. de Vries,01.015,Huisartsenpraktijk Oost,01230000,aanmelden"
SO = "900200002,01234568,Mw. B. Jansen,01.047,Verpleeghuis De Es,,aanmelden"


def test_import_creates_and_lists(run, csv_file, platform):
    result = run("accounts", "import", "--tenant", "zgt", csv_file(GP, SO))
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 deactivated, 0 unchanged" in result.output
    assert accounts(platform) == {"900200001": ("Dr. A. de Vries", "01.015", True),
                                  "900200002": ("Mw. B. Jansen", "01.047", True)}
    assert accounts(platform, "mst") == {}
    listing = run("accounts", "list", "--tenant", "zgt").output
    assert "900200001\t01234567\t01.015\tactief\tDr. A. de Vries\tHuisartsenpraktijk Oost\t01230000" in listing


def test_reimport_updates_and_counts_unchanged(run, csv_file, platform):
    run("accounts", "import", "--tenant", "zgt", csv_file(GP, SO))
    result = run("accounts", "import", "--tenant", "zgt", csv_file(GP.replace("de Vries", "de Vries-Smit"), SO))
    assert "0 created, 1 updated, 0 deactivated, 1 unchanged" in result.output
    assert accounts(platform)["900200001"][0] == "Dr. A. de Vries-Smit"


def test_every_bad_line_is_reported_and_nothing_changes(run, csv_file, platform):
    result = run("accounts", "import", "--tenant", "zgt", csv_file(
        GP, "90020000,01234567,X,01.015,P,,aanmelden", "900200003,0123456A,,1.15,P,123,weg",
        "900200001,01234567,Dubbel,01.015,P,,aanmelden", "900200004,01234567,Kort"))
    assert result.exit_code == 1
    err = result.output
    assert "line 3: uzi_number must be 9 digits" in err
    for reason in ("agb_code must be 8 digits", "name is empty", "role must look like 01.015",
                   "practice_agb must be 8 digits", "status must be aanmelden or afmelden"):
        assert f"line 4: {reason}" in err
    assert "line 5: uzi_number 900200001 also on line 2" in err
    assert "line 6: expected 7 fields, found 3" in err
    assert "nothing was changed" in err
    assert accounts(platform) == {}


def test_wrong_header(run, csv_file, platform):
    result = run("accounts", "import", "--tenant", "zgt", csv_file(GP, header="uzi,agb,naam\n"))
    assert result.exit_code == 1 and "line 1: header must be uzi_number,agb_code" in result.output


def test_afmelden_of_an_unknown_account_changes_nothing(run, csv_file, platform):
    result = run("accounts", "import", "--tenant", "zgt", csv_file(GP, SO.replace("aanmelden", "afmelden")))
    assert result.exit_code == 1 and "line 3: afmelden for UZI number 900200002" in result.output
    assert accounts(platform) == {}


def test_unknown_tenant(run, csv_file):
    result = run("accounts", "import", "--tenant", "nope", csv_file(GP))
    assert result.exit_code == 2 and "unknown tenant 'nope'" in result.output


def test_afmelden_deactivates_and_ends_the_session_at_once(run, csv_file, platform, login_as):
    run("accounts", "import", "--tenant", "zgt", csv_file(GP))
    with platform.database.session() as session:
        account = session.scalars(select(Account).where(Account.uzi_number == "900200001")).one()
    client = platform.apps["zgt"].test_client()
    login_as(client, account)
    assert is_logged_in(client)
    result = run("accounts", "import", "--tenant", "zgt", csv_file(GP.replace("aanmelden", "afmelden")))
    assert "0 created, 0 updated, 1 deactivated, 0 unchanged; 1 session(s) ended" in result.output
    assert not is_logged_in(client)
    assert accounts(platform)["900200001"][2] is False
    assert "afgemeld" in run("accounts", "list", "--tenant", "zgt").output
