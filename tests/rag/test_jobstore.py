"""The job store: what a server promised survives it, on a real SQLite file and spool folder."""

from __future__ import annotations

from pathlib import Path

from rag.jobstore import JobStore


def test_a_queued_job_and_its_bytes_are_on_disk_and_survive_a_reopen(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    job = store.create("upload", {"id": "talk", "rerunnable": True}, b"Q: Hi?\nA: Hello.")
    assert store.spooled(job.id).read_bytes() == b"Q: Hi?\nA: Hello."
    assert not [p for p in store.spool.iterdir() if p.name.startswith(".")]  # no partial file left
    store.close()

    again = JobStore(tmp_path)
    [queued] = again.recover()
    assert (queued.id, queued.status, queued.payload["id"]) == (job.id, "queued", "talk")
    assert again.data(job.id) == b"Q: Hi?\nA: Hello."
    assert again.start(job.id) is not None and again.start(job.id) is None  # started once only
    again.update(job.id, stage="embedding", done=3, total=9, message="embedded 3/9 chunks")
    got = again.get(job.id)
    assert got is not None and (got.status, got.stage, got.done, got.total, got.attempts) == (
        "running",
        "embedding",
        3,
        9,
        1,
    )
    again.finish(job.id, result={"id": "talk", "status": "added", "chunks": 9})
    done = again.get(job.id)
    assert (
        done is not None
        and done.status == "done"
        and done.result == {"id": "talk", "status": "added", "chunks": 9}
    )
    assert again.data(job.id) is None  # the bytes go with the job's end
    again.close()


def test_recover_reruns_a_cut_short_job_once_then_fails_it_and_drops_stray_spools(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    rerun = store.create("upload", {"rerunnable": True}, b"a")
    twice = store.create("upload", {"rerunnable": True}, b"b")
    once_only = store.create("other", {}, None)
    for job in (rerun, twice, once_only):
        store.start(job.id)
    store.update(twice.id, attempts=2)
    (store.spool / "stray").write_bytes(b"x")  # a spool whose row never came
    (store.spool / ".half.partial").write_bytes(b"x")  # a spool cut short while written

    assert [j.id for j in store.recover()] == [rerun.id]
    for job_id in (twice.id, once_only.id):
        failed = store.get(job_id)
        assert failed is not None and failed.status == "failed" and failed.error is not None
        assert failed.error["error"] == "Interrupted" and "submit it again" in failed.error["detail"]
    assert sorted(p.name for p in store.spool.iterdir()) == [rerun.id]
    store.close()


def test_finished_jobs_beyond_the_limit_are_forgotten_oldest_first(tmp_path: Path) -> None:
    store = JobStore(tmp_path, max_kept=2)
    jobs = [store.create("upload") for _ in range(4)]
    for job in jobs:
        store.finish(job.id, result={})
    assert [store.get(j.id) is not None for j in jobs] == [False, False, True, True]
    store.close()


def test_a_second_store_on_the_same_folder_leaves_the_first_ones_running_jobs_alone(tmp_path: Path) -> None:
    first = JobStore(tmp_path)
    assert first.recover() == []  # the first server owns recovery from now on
    job = first.create("upload", {"rerunnable": True}, b"a")
    first.start(job.id)
    second = JobStore(tmp_path)
    assert second.recover() == []
    got = second.get(job.id)
    assert got is not None and got.status == "running" and second.data(job.id) == b"a"
    first.close()  # the owner gone (or killed: the lock goes with its process), the next one recovers
    assert [j.id for j in second.recover()] == [job.id]
    second.close()


def test_a_job_run_by_its_own_process_is_reported_and_failed_once_that_process_is_gone(
    tmp_path: Path,
) -> None:
    """`rag index --ray` records its run: a server over the same folder (another store) sees
    it running and its progress, does not take it for one of its own to re-run, sees it done;
    a runner that stops without finishing leaves it failed, found so by the next reader."""
    runner, server = JobStore(tmp_path), JobStore(tmp_path)
    job = runner.run_here("index-ray", {"path": "/archive"})
    runner.progress(job.id)("indexing", 3, 10, "talk-03.txt: added")
    seen = server.get(job.id)
    assert seen is not None and (seen.status, seen.stage, seen.done, seen.total) == (
        "running",
        "indexing",
        3,
        10,
    )
    assert server.recover() == [] and server.get(job.id).status == "running"  # type: ignore[union-attr]
    runner.finish(job.id, result={"added": 10})
    done = server.get(job.id)
    assert done is not None and done.status == "done" and done.result == {"added": 10}

    cut = runner.run_here("index-ray", {"path": "/archive"})
    assert server.get(cut.id).status == "running"  # type: ignore[union-attr]
    runner.close()  # as its process ending would: the lock goes, the row stays "running"
    failed = server.get(cut.id)
    assert failed is not None and failed.status == "failed" and failed.error is not None
    assert failed.error["error"] == "Interrupted" and "skips" in failed.error["detail"]
    assert not list(server.runners.iterdir())
    server.close()
