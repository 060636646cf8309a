"""Drives one RQ measurement for test/bench/dispatch.ts: waits for the
workers, runs WARMUP jobs (numbered after the measured ones) to their end,
prints READY and waits for GO on stdin, enqueues RUNS jobs, waits until all
are done, and prints one JSON document with the enqueue time and each job's
worker and end time.

usage: drive.py REDIS_URL QUEUE WORKERS SPEC_JSON_FILE RUNS WARMUP TIMEOUT_SECONDS
"""
import json
import sys
import time
from datetime import timezone

from redis import Redis
from rq import Queue, Worker
from rq.job import Job


def epoch_ms(dt):
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp() * 1000.0


def enqueue(queue, spec, ids, run_numbers):
    queue.enqueue_many(
        [
            Queue.prepare_data(
                "jobs.run_simulation", args=(spec, run), job_id=job_id, timeout=600, result_ttl=3600, failure_ttl=3600
            )
            for job_id, run in zip(ids, run_numbers)
        ]
    )


def wait_for(queue, total, timeout):
    """Until `total` jobs of the queue have ended, finished or failed."""
    deadline = time.time() + timeout
    while queue.finished_job_registry.count + queue.failed_job_registry.count < total:
        if time.time() > deadline:
            sys.exit(f"RQ finished only {queue.finished_job_registry.count} of {total} jobs within {timeout} s")
        time.sleep(0.05)


def main():
    url, queue_name, workers, spec_file, runs, warmup, timeout = sys.argv[1:8]
    workers, runs, warmup, timeout = int(workers), int(runs), int(warmup), float(timeout)
    with open(spec_file) as f:
        spec = json.load(f)
    redis = Redis.from_url(url)
    queue = Queue(queue_name, connection=redis)

    deadline = time.time() + 60
    while len(Worker.all(queue=queue)) < workers:
        if time.time() > deadline:
            sys.exit(f"only {len(Worker.all(queue=queue))} of {workers} RQ workers registered within 60 s")
        time.sleep(0.05)
    time.sleep(0.5)  # let every worker reach its blocking dequeue
    warm_ids = [f"{queue_name}-warmup-{i}" for i in range(warmup)]
    enqueue(queue, spec, warm_ids, range(runs, runs + warmup))
    wait_for(queue, warmup, timeout)
    time.sleep(0.2)  # the workers are back at their blocking dequeue
    # Handshake: the caller samples the workers' CPU time between READY and GO.
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    if sys.stdin.readline().strip() != "GO":
        sys.exit("expected GO on stdin")

    enqueue_start = time.time() * 1000.0
    ids = [f"{queue_name}-{i}" for i in range(runs)]
    enqueue(queue, spec, ids, range(runs))
    enqueue_end = time.time() * 1000.0
    wait_for(queue, warmup + runs, timeout)

    completions = []
    failed = 0
    for job in Job.fetch_many(ids, connection=redis):
        if job is None or job.get_status() != "finished":
            failed += 1
            continue
        value = job.return_value() or {}
        completions.append(
            {
                "worker": job.worker_name or "?",
                "doneAtMs": epoch_ms(job.ended_at),
                "processMs": value.get("processMs"),
            }
        )
    json.dump(
        {"enqueueStartMs": enqueue_start, "enqueueEndMs": enqueue_end, "failed": failed, "completions": completions},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
