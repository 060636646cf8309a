"""The seed's technology for the dispatch benchmark: an RQ job that runs one
simulation command and, when asked, stores its result files in GridFS and a
run document in the same MongoDB store and layout the inet-swarm runner uses
(bucket `results`, collection `runs`). Imported by `rq worker --path test/bench/rq`.
"""
import fnmatch
import os
import shutil
import subprocess
import tempfile
import time

_clients = {}


def _db(uri, name):
    # One client per process: a forking worker gets a fresh one in every
    # work horse (pymongo clients must not cross a fork), a SimpleWorker keeps it.
    key = (os.getpid(), uri)
    client = _clients.get(key)
    if client is None:
        from pymongo import MongoClient

        client = MongoClient(uri)
        _clients[key] = client
    return client[name]


def run_simulation(spec, run):
    """Runs `spec['executable'] spec['args']` (RESULTDIR and RUN substituted)
    in its own result folder; stores the matching files when spec['store']."""
    result_dir = tempfile.mkdtemp(prefix=f"run-{run}-", dir=spec["workDir"])
    argv = [spec["executable"]] + [a.replace("@RESULTDIR@", result_dir).replace("@RUN@", str(run)) for a in spec["args"]]
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=spec["cwd"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process_ms = (time.perf_counter() - started) * 1000.0
    files = []
    try:
        if proc.returncode != 0:
            raise RuntimeError(f"run {run} exited with {proc.returncode}: {proc.stderr[-500:]!r}")
        if spec["store"]:
            from gridfs import GridFSBucket

            db = _db(spec["mongoUri"], spec["database"])
            bucket = GridFSBucket(db, bucket_name="results")
            for name in sorted(os.listdir(result_dir)):
                if not any(fnmatch.fnmatchcase(name, p) for p in spec["include"]):
                    continue
                with open(os.path.join(result_dir, name), "rb") as f:
                    file_id = bucket.upload_from_stream(
                        name, f, metadata={"campaignUid": spec["campaignUid"], "run": run, "attempt": 1}
                    )
                files.append({"name": name, "fileId": file_id})
            db["runs"].update_one(
                {"_id": f"{spec['campaignUid']}/{run}"},
                {
                    "$set": {
                        "campaignUid": spec["campaignUid"],
                        "run": run,
                        "status": "succeeded",
                        "exitCode": proc.returncode,
                        "elapsedMs": round(process_ms),
                        "resultFiles": files,
                    }
                },
                upsert=True,
            )
    finally:
        shutil.rmtree(result_dir, ignore_errors=True)
    return {"processMs": process_ms, "files": len(files)}
