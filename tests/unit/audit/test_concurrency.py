"""Appends from several processes at once never fork a tenant's chain (real processes,
on whichever database the suite runs on)."""
import multiprocessing
import time

from sqlalchemy import text

from portal.audit.verify import verify_chain

WRITERS = 4
APPENDS = 150


def _writer(url: str, tenant: str, writer: int, barrier) -> None:
    from portal.audit import Action, AuditEvent, record
    from portal.db import Database

    database = Database(url)
    barrier.wait()
    for n in range(APPENDS):
        record(AuditEvent(Action.VIEW, "success", tenant, user_uzi=f"90000000{writer}", data=f"{writer}:{n}"),
               database)
        # Yield the CPU between appends, as request handlers do: on a loaded 2-core machine a
        # writer could otherwise finish all its appends within one time slice, and the test
        # would prove nothing about concurrent appends.
        time.sleep(0.002)
    database.dispose()


def test_concurrent_writers_never_fork_the_chain(database, chain_tenant):
    context = multiprocessing.get_context("spawn")  # a fresh interpreter each, no shared connections
    barrier = context.Barrier(WRITERS)
    processes = [context.Process(target=_writer, args=(database.url, chain_tenant, w, barrier))
                 for w in range(WRITERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [p.exitcode for p in processes] == [0] * WRITERS

    result = verify_chain(database, chain_tenant)
    assert result.intact, result.problem
    assert result.records == WRITERS * APPENDS
    with database.engine.connect() as conn:
        data = [r.data for r in conn.execute(text("SELECT data FROM audit_log WHERE tenant_id = :t ORDER BY seq"),
                                             {"t": chain_tenant})]
    # Every append is there once, and each writer's own appends keep their order.
    assert sorted(data) == sorted(f"{w}:{n}" for w in range(WRITERS) for n in range(APPENDS))
    for w in range(WRITERS):
        mine = [int(d.split(":")[1]) for d in data if d.startswith(f"{w}:")]
        assert mine == list(range(APPENDS))
    # The writers really ran at the same time: the chain interleaves them (more switches
    # between writers than running one after the other would give).
    switches = sum(1 for a, b in zip(data, data[1:]) if a.split(":")[0] != b.split(":")[0])
    assert switches > WRITERS - 1
