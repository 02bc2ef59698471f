"""What one benchmark run serves: a portal database, a tenant folder as a hospital would
configure it for production, UZI cards of real demo GPs and the patients they look up.

Used by ``bench/portal_bench.py``; nothing here is imported by the portal itself.
"""
from __future__ import annotations

import shutil
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import psycopg
import yaml
from cryptography.hazmat.primitives import serialization
from sqlalchemy.engine import make_url

from portal.auth.cards import UziAuthority, new_key
from portal.db import Database
from portal.tenants.loader import OVERLAY_FILE, TENANT_FILE, tenant_document
from portal.tenants.schema import TenantConfig
from portal_connectors.demo.accounts import sync_accounts
from portal_connectors.demo.connector import DemoConnector, DemoSettings

REPO = Path(__file__).resolve().parent.parent
TENANT = "zgt"
HOST = "zgt.localhost"
CA_FILE = "bench-uzi-root.pem"
#: Production asks a CRL of every trusted CA (the root) and a login one of the card's issuer.
CRL_FILES = {"issuing": "bench-uzi-issuing.crl", "root": "bench-uzi-root.crl"}
#: CRLs valid for the longest run (a full run takes hours).
_CRL_UNTIL = datetime.now(timezone.utc) + timedelta(days=30)
#: The bench's own rate limits: 8 GPs clicking without pause are far above what a person
#: does, and the limits exist against people and scripts at the door, not against load.
#: The tenant YAML key ``rate_limits`` is the documented way to set them.
BENCH_RATE_LIMIT = {"count": 100_000, "seconds": 1}


@dataclass
class PortalDatabase:
    """The run's own portal database: created here, dropped by ``drop``."""

    url: str
    kind: str
    _server: str | None = None
    _name: str | None = None

    @classmethod
    def create(cls, kind: str, folder: Path, postgres_url: str) -> "PortalDatabase":
        if kind == "sqlite":
            return cls(f"sqlite:///{folder / 'portal.sqlite'}", kind)
        name = f"portal_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        return cls(url, kind, postgres_url, name)

    def drop(self) -> None:
        if self._server and self._name:
            with psycopg.connect(self._server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')


def tenant_folders(target: Path, epd: Path, authority: UziAuthority) -> Path:
    """Copies of the repository's tenants, set up as production would be: no demo login,
    the bench's UZI CA trusted with a CRL for each of its CAs, loopback as the proxy. The
    EPD is the demo EPD (the development overlay's connector, the cached one for ZGT),
    standing in for the hospital's: the run sets PORTAL_ALLOW_DEMO_EPD=1."""
    target.mkdir(parents=True, exist_ok=True)
    rate_limits = _rate_limit_fields()
    pem = serialization.Encoding.PEM
    for source in sorted((REPO / "tenants").iterdir()):
        if not (source / TENANT_FILE).exists():
            continue
        folder = target / source.name
        shutil.copytree(source, folder)
        # The development overlay brings the demo EPD and the .localhost names the bench
        # uses; its demo login is switched off below. The copy keeps no overlay file.
        config = tenant_document(folder, overlay=True)
        (folder / OVERLAY_FILE).unlink(missing_ok=True)
        auth = config.setdefault("auth", {})
        auth["demo_login"] = False
        auth["trusted_ca_files"] = [CA_FILE]
        auth["crl_files"] = [CRL_FILES["issuing"], CRL_FILES["root"]]
        auth["trusted_proxies"] = ["127.0.0.1/32"]
        (folder / CA_FILE).write_bytes(authority.root.public_bytes(pem))
        (folder / CRL_FILES["issuing"]).write_bytes(authority.crl(next_update=_CRL_UNTIL).public_bytes(pem))
        (folder / CRL_FILES["root"]).write_bytes(authority.root_crl(next_update=_CRL_UNTIL).public_bytes(pem))
        if rate_limits:
            config["rate_limits"] = {name: dict(BENCH_RATE_LIMIT) for name in rate_limits}
        if config["id"] == TENANT:
            config["connector"]["settings"]["database_url"] = f"sqlite:///{epd}"
        (folder / "tenant.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    return target


def _rate_limit_fields() -> list[str]:
    """The limits the tenant schema knows (none before rate limits exist)."""
    field = TenantConfig.model_fields.get("rate_limits")
    return list(field.annotation.model_fields) if field is not None else []


def demo_connector(epd: Path, seed: int) -> DemoConnector:
    url = f"sqlite:///{epd}"
    return DemoConnector(TENANT, DemoSettings(seed=seed, database_url=url), url, "ZGT")


def create_accounts(database_url: str, epd: Path, seed: int) -> None:
    """The demo GPs' accounts, as ``portal demo generate`` makes them."""
    database, connector = Database(database_url), demo_connector(epd, seed)
    try:
        with database.session() as session:
            sync_accounts(connector, session)
    finally:
        connector.close()
        database.dispose()


def colleague_plan(database_url: str, base: list[dict], count: int, authority: UziAuthority) -> list[dict]:
    """``count`` GPs, each with their own account and card: the plan's demo GPs first, then
    practice colleagues of theirs (accounts created here with the practice's AGB, so the
    practice relation gives them the same patients). A demo EPD has a few dozen GPs at most;
    the think-time load needs hundreds, each logged in as themselves."""
    from portal.accounts.models import Account

    plan = list(base[:count])
    database = Database(database_url)
    try:
        with database.session() as session:
            for n in range(count - len(plan)):
                source = base[n % len(base)]
                uzi, agb = f"{990000000 + n}", f"0199{n:04d}"
                session.add(Account(tenant_id=TENANT, uzi_number=uzi, agb_code=agb, name=f"Bench collega {n}",
                                    role="01.015", practice_agb=source["practice_agb"],
                                    practice_name="Huisartsenpraktijk (bench)", active=True))
                card = authority.issue(uzi, role="01.015", card_type="Z", agb_code=agb, name=f"Bench collega {n}",
                                       key=serialization.load_pem_private_key(source["key"].encode(), None))
                plan.append({**source, "name": f"Bench collega {n}", "uzi": uzi,
                             "certificate": card.certificate_pem, "chain": card.chain_pem})
    finally:
        database.dispose()
    return plan


def gp_plan(epd: Path, gps: int, patients_per_gp: int, authority: UziAuthority) -> list[dict]:
    """``gps`` demo GPs, each with a card and ``patients_per_gp`` of their own patients who
    gave consent and have lab results and letters, spread over the whole EPD."""
    conn = sqlite3.connect(f"file:{epd}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT name, agb_code, uzi_number, practice_agb FROM providers "
                            "WHERE kind = 'gp' ORDER BY id LIMIT ?", (gps,)).fetchall()
        key = new_key()  # one key for every card: generating eight RSA keys only costs time
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
        plan = []
        for name, agb, uzi, practice_agb in rows:
            card = authority.issue(uzi, role="01.015", card_type="Z", agb_code=agb, name=name, key=key)
            found = conn.execute(
                """SELECT p.bsn, p.birth_name, p.birth_date, p.sex FROM patients p
                   JOIN relations r ON r.patient_id = p.id
                   WHERE r.agb_code = ? AND r.kind = 'registered_gp' AND r.valid_until IS NULL
                     AND p.consent AND p.death_date IS NULL AND p.bsn IS NOT NULL
                     AND EXISTS (SELECT 1 FROM records WHERE patient_id = p.id AND kind = 'lab' AND approved)
                     AND EXISTS (SELECT 1 FROM records WHERE patient_id = p.id AND kind = 'letter' AND approved)
                   ORDER BY (p.id * 2654435761) % 1000003 LIMIT ?""", (agb, patients_per_gp)).fetchall()
            plan.append({
                "name": name, "uzi": uzi, "practice_agb": practice_agb, "key": key_pem,
                "certificate": card.certificate_pem, "chain": card.chain_pem,
                "patients": [{"bsn": bsn, "birth_name": birth_name, "sex": sex,
                              "birth_date": date.fromisoformat(born).strftime("%d-%m-%Y")}
                             for bsn, birth_name, born, sex in found]})
        return [gp for gp in plan if gp["patients"]]
    finally:
        conn.close()
