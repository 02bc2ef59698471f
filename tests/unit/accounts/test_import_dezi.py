"""The ZorgNetOost file's optional columns for Dezi: ``dezi_number`` and ``ura``."""
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select

from portal.accounts.models import Account
from portal.cli import cli

HEADER = "uzi_number,agb_code,name,role,practice_name,practice_agb,status"
GP = "900300001,01234567,Dr. A. de Vries,01.015,Huisartsenpraktijk Oost,01230000,aanmelden"
SO = "900300002,01234568,Mw. B. Jansen,01.047,Verpleeghuis De Es,,aanmelden"


@pytest.fixture
def run(platform, db_session, tmp_path):
    root = Flask("probe")
    root.extensions["portal.platform"] = platform

    def invoke(header, *lines):
        path = tmp_path / "zno.csv"
        path.write_text(header + "\n" + "".join(line + "\n" for line in lines), encoding="utf-8")
        return CliRunner().invoke(cli, ["accounts", "import", "--tenant", "zgt", str(path)],
                                  obj=ScriptInfo(create_app=lambda: root), catch_exceptions=False)

    return invoke


def linked(platform):
    with platform.database.session() as session:
        return {a.uzi_number: (a.dezi_number, a.ura) for a in
                session.scalars(select(Account).where(Account.tenant_id == "zgt"))}


def test_optional_columns_set_dezi_number_and_ura_in_any_order(run, platform):
    result = run(HEADER + ",ura,dezi_number", GP + ",12345678,700000001", SO + ",,")
    assert result.exit_code == 0, result.output
    assert linked(platform) == {"900300001": ("700000001", "12345678"), "900300002": (None, None)}


def test_a_file_without_the_columns_leaves_them_and_an_empty_cell_clears(run, platform):
    run(HEADER + ",dezi_number,ura", GP + ",700000001,12345678")
    result = run(HEADER, GP.replace("de Vries", "de Vries-Smit"))
    assert "1 updated" in result.output
    assert linked(platform)["900300001"] == ("700000001", "12345678")
    run(HEADER + ",dezi_number", GP + ",")
    assert linked(platform)["900300001"] == (None, "12345678")


def test_bad_values_and_a_dezi_number_twice_are_reported_and_nothing_changes(run, platform):
    result = run(HEADER + ",dezi_number,ura", GP + ",70000000A,1234567", SO + ",700000009,",
                 "900300003,01234569,Dr. C. Dubbel,01.015,P,,aanmelden,700000009,")
    assert result.exit_code == 1
    assert "line 2: dezi_number must be 1-32 digits or empty" in result.output
    assert "line 2: ura must be 8 digits or empty" in result.output
    assert "line 4: dezi_number 700000009 also on line 3" in result.output
    assert linked(platform) == {}


def test_a_dezi_number_of_another_account_is_refused_unless_it_moves_in_the_same_file(run, platform):
    run(HEADER + ",dezi_number", GP + ",700000001", SO + ",")
    result = run(HEADER + ",dezi_number", SO + ",700000001")
    assert result.exit_code == 1
    assert "line 2: dezi_number 700000001 belongs to UZI number 900300001 at zgt" in result.output
    moved = run(HEADER + ",dezi_number", GP + ",700000002", SO + ",700000001")
    assert moved.exit_code == 0, moved.output
    assert linked(platform) == {"900300001": ("700000002", None), "900300002": ("700000001", None)}


def test_unknown_or_repeated_optional_columns_are_refused(run, platform):
    for header in (HEADER + ",dezi", HEADER + ",ura,ura"):
        result = run(header, GP + ",1")
        assert result.exit_code == 1
        assert "optionally followed by any of" in result.output
