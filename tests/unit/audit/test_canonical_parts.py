"""The pieces PostgreSQL finishes the hash from are exactly the canonical text."""
from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from portal.audit import Action, AuditEvent, record
from portal.audit.chain import HASHED_FIELDS, canonical_bytes, canonical_parts, canonical_time, record_hash
from portal.audit.models import AuditRecord
from portal.audit.verify import verify_chain

texts = st.one_of(st.none(), st.text(max_size=40))


@given(values=st.fixed_dictionaries({name: texts for name in HASHED_FIELDS
                                     if name not in ("seq", "prev_hash", "occurred_at", "details")}),
       details=st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=3),
       seq=st.integers(1, 10**15), prev_hash=st.text("0123456789abcdef", min_size=64, max_size=64),
       micros=st.integers(0, 4_000_000_000_000_000))
def test_the_parts_around_the_chain_fields_are_the_canonical_text(values, details, seq, prev_hash, micros):
    from portal.audit.chain import canonical_details

    at = datetime.fromtimestamp(micros / 1e6, timezone.utc)
    fields = {**values, "details": canonical_details(details), "seq": seq, "prev_hash": prev_hash, "occurred_at": at}
    p0, p1, p2, p3 = canonical_parts(fields)
    assert f"{p0}{canonical_time(at)}{p1}{prev_hash}{p2}{seq}{p3}".encode() == canonical_bytes(fields)


def test_awkward_text_is_hashed_alike_by_the_database_and_by_verify(database, chain_tenant):
    awkward = ['quote " and backslash \\', "new\nline\ttab", "emoji 🩺 and ë", "\u0001control", "</script>", ""]
    for n, value in enumerate(awkward * 2):  # the second round appends to an existing head
        record(AuditEvent(Action.VIEW, "success", chain_tenant, user_name=value, data=value,
                          details={"k\"ey": value, "n": str(n)}), database)
    with database.session() as session:
        rows = session.scalars(select(AuditRecord).where(AuditRecord.tenant_id == chain_tenant)
                               .order_by(AuditRecord.seq)).all()
        assert [r.data for r in rows] == awkward * 2
        for row in rows:
            assert record_hash({c: getattr(row, c) for c in AuditRecord.__table__.columns.keys()}) == row.record_hash
        assert [r.occurred_at for r in rows] == sorted(r.occurred_at for r in rows)
    assert verify_chain(database, chain_tenant).intact


@given(values=st.fixed_dictionaries({name: texts for name in HASHED_FIELDS if name not in ("seq", "occurred_at")}),
       seq=st.integers(0, 10**15), micros=st.integers(0, 4_000_000_000_000_000))
def test_the_fast_record_hash_is_the_hash_of_the_canonical_bytes(values, seq, micros):
    """``record_hash`` builds the text without the JSON encoder; ``canonical_bytes`` is the
    definition. Any text at all (a tampered prev_hash too) must come out the same."""
    import hashlib

    at = datetime.fromtimestamp(micros / 1e6, timezone.utc)
    fields = {**values, "seq": seq, "occurred_at": at}
    assert record_hash(fields) == hashlib.sha256(canonical_bytes(fields)).hexdigest()
