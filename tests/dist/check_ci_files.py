#!/usr/bin/env python3
"""Structural check of crashlab's CI files: the GitHub Action (action.yml),
the GitHub workflows (.github/workflows/ci.yml, examples/ci/github-sharded.yml),
the GitLab example (examples/ci/gitlab.yml) and the Kubernetes example
(examples/ci/k8s-indexed-job.yaml).

Checks jobs, needs (known jobs, no cycle), steps, the action's inputs, and the
shard arithmetic: the shards a file starts cover 1..N exactly once, N being
the count in its --shard I/N, and the merge step reads exactly those shards.

usage: check_ci_files.py SOURCE_DIR           check the files, exit 1 on errors
       check_ci_files.py SOURCE_DIR --self-test  also check that broken copies
                                                 of the files are rejected
Needs PyYAML (Debian: python3-yaml, installed by scripts/install-deps.sh).
"""
import copy
import os
import re
import sys

try:
    import yaml
except ImportError:
    print("check_ci_files: PyYAML is missing: install python3-yaml "
          "(scripts/install-deps.sh)")
    sys.exit(1)

ACTION_INPUTS = {"scenarios", "mode", "shard", "jobs", "report-dir"}


def covers(indices, n):
    """True when `indices` are exactly 1..n, each once."""
    return n >= 1 and sorted(indices) == list(range(1, n + 1))


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def step_text(step):
    """Everything a step runs or passes, for searching."""
    return yaml.safe_dump(step, default_flow_style=True, width=10**6)


# ---------------------------------------------------------------- the action

def check_action(action, errors, where="action.yml"):
    if not isinstance(action, dict):
        errors.append(f"{where}: not a mapping")
        return set()
    inputs = set((action.get("inputs") or {}).keys())
    for want in ACTION_INPUTS:
        if want not in inputs:
            errors.append(f"{where}: input '{want}' missing")
    runs = action.get("runs") or {}
    if runs.get("using") != "composite":
        errors.append(f"{where}: runs.using must be composite")
    steps = runs.get("steps") or []
    if not steps:
        errors.append(f"{where}: no steps")
    text = ""
    for i, s in enumerate(steps):
        if ("run" in s) == ("uses" in s):
            errors.append(f"{where}: step {i}: exactly one of run/uses")
        if "run" in s and "shell" not in s:
            errors.append(f"{where}: step {i}: a composite run step needs shell")
        text += step_text(s)
    for ref in set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", text)):
        if ref not in inputs:
            errors.append(f"{where}: uses undeclared input '{ref}'")
    if "GITHUB_STEP_SUMMARY" not in text:
        errors.append(f"{where}: does not write the job summary")
    if "actions/upload-artifact" not in text:
        errors.append(f"{where}: does not upload the report directory")
    if "crashlab run" not in text or "--shard" not in text:
        errors.append(f"{where}: does not run crashlab run --shard")
    return inputs


# ---------------------------------------------------------- GitHub workflows

def job_graph_errors(jobs, where):
    errors = []
    for name, job in jobs.items():
        needs = job.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        for n in needs:
            if n not in jobs:
                errors.append(f"{where}: job {name} needs unknown job {n}")
    state = {}

    def visit(n, path):
        if state.get(n) == "done":
            return
        if state.get(n) == "active":
            errors.append(f"{where}: needs cycle {' -> '.join(path + [n])}")
            return
        state[n] = "active"
        needs = jobs.get(n, {}).get("needs", [])
        for m in [needs] if isinstance(needs, str) else needs:
            if m in jobs:
                visit(m, path + [n])
        state[n] = "done"

    for n in jobs:
        visit(n, [])
    return errors


def needs_of(job):
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


def check_workflow(wf, where, action_inputs, errors, sharded_example=False):
    if not isinstance(wf, dict):
        errors.append(f"{where}: not a mapping")
        return
    # PyYAML reads the key `on` as the boolean True (YAML 1.1).
    if "on" not in wf and True not in wf:
        errors.append(f"{where}: no 'on' trigger")
    jobs = wf.get("jobs") or {}
    if not jobs:
        errors.append(f"{where}: no jobs")
        return
    errors += job_graph_errors(jobs, where)
    shard_jobs, merge_jobs = [], []
    for name, job in jobs.items():
        w = f"{where}: job {name}"
        if "runs-on" not in job:
            errors.append(f"{w}: no runs-on")
        steps = job.get("steps") or []
        if not steps:
            errors.append(f"{w}: no steps")
        checked_out = False
        text = ""
        for i, s in enumerate(steps):
            if ("run" in s) == ("uses" in s):
                errors.append(f"{w}: step {i}: exactly one of run/uses")
            uses = s.get("uses", "")
            if uses.startswith("actions/checkout"):
                checked_out = True
            if uses == "./" or re.match(r"[^/]+/crashlab@", uses):
                if uses == "./" and not checked_out:
                    errors.append(f"{w}: step {i}: uses ./ before a checkout")
                for k in (s.get("with") or {}):
                    if k not in action_inputs:
                        errors.append(f"{w}: step {i}: unknown action input '{k}'")
            text += step_text(s)
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        m = re.search(r"\$\{\{\s*matrix\.(\w+)\s*\}\}/(\d+)", text)
        if m:
            var, n = m.group(1), int(m.group(2))
            values = matrix.get(var)
            if not isinstance(values, list) or not covers(values, n):
                errors.append(f"{w}: matrix.{var} = {values} does not cover "
                              f"shards 1..{n} exactly once")
            if "artifact-name" not in text and "upload-artifact" not in text:
                errors.append(f"{w}: shard reports are not uploaded")
            if f"matrix.{var}" not in re.sub(r"\$\{\{\s*matrix\.\w+\s*\}\}/\d+", "", text) \
                    and "artifact-name" in text:
                errors.append(f"{w}: artifact name does not contain the shard")
            if (job.get("strategy") or {}).get("fail-fast", True):
                errors.append(f"{w}: strategy.fail-fast must be false (every "
                              "shard's report is needed)")
            shard_jobs.append((name, var, n))
        elif "--shard" in text or "shard:" in text:
            if re.search(r"shard:\s*['\"]?\d+/\d+", text) is None:
                errors.append(f"{w}: a shard that is neither a matrix nor I/N")
        if "crashlab report merge" in text:
            merge_jobs.append((name, text))
    for name, var, n in shard_jobs:
        mergers = [m for m, t in merge_jobs if name in needs_of(jobs[m])]
        if not mergers:
            errors.append(f"{where}: no job needs shard job {name} and runs "
                          "crashlab report merge")
        for m in mergers:
            cond = str(jobs[m].get("if", ""))
            if "cancelled()" not in cond and "always()" not in cond:
                errors.append(f"{where}: merge job {m} must also run after a "
                              "failed shard (if: !cancelled())")
            mtext = dict(merge_jobs)[m]
            if "download-artifact" not in mtext:
                errors.append(f"{where}: merge job {m} downloads no shard reports")
    if sharded_example:
        if not shard_jobs:
            errors.append(f"{where}: no sharded job")
        if not any("action-junit-report" in t or "junit" in t.lower()
                   for _, t in merge_jobs):
            errors.append(f"{where}: the merge job publishes no JUnit report")


# -------------------------------------------------------------------- GitLab

def check_gitlab(doc, where, errors):
    if not isinstance(doc, dict):
        errors.append(f"{where}: not a mapping")
        return
    stages = doc.get("stages") or []
    jobs = {k: v for k, v in doc.items()
            if isinstance(v, dict) and k not in ("variables", "default")
            and not k.startswith(".")}
    templates = {k for k in doc if k.startswith(".")}
    parallel_jobs = []
    for name, job in jobs.items():
        w = f"{where}: job {name}"
        ext = job.get("extends")
        for e in [ext] if isinstance(ext, str) else (ext or []):
            if e not in templates:
                errors.append(f"{w}: extends unknown {e}")
        if job.get("stage") not in stages:
            errors.append(f"{w}: stage {job.get('stage')} not in stages")
        if not job.get("script"):
            errors.append(f"{w}: no script")
        text = step_text(job.get("script"))
        if "--shard" in text:
            p = job.get("parallel")
            if not isinstance(p, int) or p < 2:
                errors.append(f"{w}: runs --shard without parallel: N >= 2")
            if not re.search(r'--shard "?\$\{?CI_NODE_INDEX\}?/\$\{?CI_NODE_TOTAL\}?"?', text):
                errors.append(f"{w}: --shard is not CI_NODE_INDEX/CI_NODE_TOTAL")
            if not re.search(r"--report-dir \"?[^ ]*\$\{?CI_NODE_INDEX", text):
                errors.append(f"{w}: shard report dirs do not differ per node")
            if (job.get("artifacts") or {}).get("when") != "always":
                errors.append(f"{w}: shard artifacts must be kept when it fails")
            parallel_jobs.append(name)
    for pj in parallel_jobs:
        mergers = []
        for name, job in jobs.items():
            needs = [n if isinstance(n, str) else n.get("job")
                     for n in job.get("needs") or []]
            if pj in needs and "crashlab report merge" in step_text(job.get("script")):
                mergers.append(name)
                if stages.index(job["stage"]) <= stages.index(jobs[pj]["stage"]):
                    errors.append(f"{where}: merge job {name} is not in a later stage")
                if job.get("when") != "always":
                    errors.append(f"{where}: merge job {name} must run when a shard failed")
                junit = ((job.get("artifacts") or {}).get("reports") or {}).get("junit")
                if not junit:
                    errors.append(f"{where}: merge job {name} publishes no JUnit report")
        if not mergers:
            errors.append(f"{where}: nothing merges the shards of {pj}")
    if not parallel_jobs:
        errors.append(f"{where}: no parallel shard job")


# ---------------------------------------------------------------- Kubernetes

def check_k8s(docs, where, errors):
    kinds = [d.get("kind") for d in docs]
    claims = {d["metadata"]["name"] for d in docs
              if d.get("kind") == "PersistentVolumeClaim"}
    indexed = [d for d in docs if d.get("kind") == "Job"
               and d["spec"].get("completionMode") == "Indexed"]
    others = [d for d in docs if d.get("kind") == "Job" and d not in indexed]
    if len(indexed) != 1:
        errors.append(f"{where}: want one Indexed Job, found {len(indexed)} ({kinds})")
        return
    job = indexed[0]
    n = job["spec"].get("completions")
    pod = job["spec"]["template"]["spec"]
    if pod.get("restartPolicy") not in ("Never", "OnFailure"):
        errors.append(f"{where}: Job pods need restartPolicy Never/OnFailure")
    text = step_text(pod.get("containers"))
    m = re.search(r"shard=\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)", text)
    s = re.search(r'--shard "?\$shard/(\d+)"?', text)
    if not m or not s:
        errors.append(f"{where}: the shard is not JOB_COMPLETION_INDEX + 1 of N")
    elif not isinstance(n, int) or not covers([i + 1 for i in range(n)], int(s.group(1))):
        errors.append(f"{where}: completions {n} (indices 0..{n}-1, shards "
                      f"1..{n}) do not cover --shard I/{s.group(1)}")
    if "--report-dir" not in text or "shard-$shard" not in text:
        errors.append(f"{where}: shard report dirs do not differ per index")
    for d in docs:
        if d.get("kind") != "Job":
            continue
        for v in d["spec"]["template"]["spec"].get("volumes", []):
            c = (v.get("persistentVolumeClaim") or {}).get("claimName")
            if c and c not in claims:
                errors.append(f"{where}: Job {d['metadata']['name']} mounts "
                              f"unknown claim {c}")
    mergers = [d for d in others
               if "merge" in step_text(d["spec"]["template"]["spec"].get("containers"))]
    if not mergers:
        errors.append(f"{where}: no merge Job")
    for d in mergers:
        spec = d["spec"]["template"]["spec"]
        cmd = spec["containers"][0].get("command", [])
        shards = [int(x.rsplit("-", 1)[1]) for x in cmd if re.fullmatch(r"/reports/shard-\d+", x)]
        if cmd[:3] != ["crashlab", "report", "merge"] or not covers(shards, n or 0):
            errors.append(f"{where}: merge Job does not merge shards 1..{n} exactly once ({cmd})")
        wait = step_text(spec.get("initContainers"))
        w = re.search(r"for i in ([\d ]+);", wait)
        if not w or not covers([int(x) for x in w.group(1).split()], n or 0):
            errors.append(f"{where}: merge Job does not wait for shards 1..{n}")


# ----------------------------------------------------------------- the files

def check_all(files):
    """files: name -> list of YAML documents. Returns the errors."""
    errors = []
    inputs = check_action(files["action.yml"][0], errors)
    check_workflow(files[".github/workflows/ci.yml"][0], ".github/workflows/ci.yml",
                   inputs, errors)
    check_workflow(files["examples/ci/github-sharded.yml"][0],
                   "examples/ci/github-sharded.yml", inputs, errors,
                   sharded_example=True)
    check_gitlab(files["examples/ci/gitlab.yml"][0], "examples/ci/gitlab.yml", errors)
    check_k8s(files["examples/ci/k8s-indexed-job.yaml"],
              "examples/ci/k8s-indexed-job.yaml", errors)
    return errors


FILES = ["action.yml", ".github/workflows/ci.yml", "examples/ci/github-sharded.yml",
         "examples/ci/gitlab.yml", "examples/ci/k8s-indexed-job.yaml"]


def self_test(files):
    """Each broken copy must be rejected with a message naming the problem."""
    def broken(mutate, want):
        f = copy.deepcopy(files)
        mutate(f)
        errs = check_all(f)
        ok = any(want in e for e in errs)
        print(("ok: " if ok else "FAIL: ") + f"self-test: rejects {want!r}" +
              ("" if ok else f" (errors: {errs})"))
        return ok

    gh = "examples/ci/github-sharded.yml"
    shard_job = next(k for k, j in files[gh][0]["jobs"].items() if "strategy" in j)
    merge_job = next(k for k, j in files[gh][0]["jobs"].items() if "needs" in j)
    k8s = "examples/ci/k8s-indexed-job.yaml"
    idx = next(i for i, d in enumerate(files[k8s])
               if d.get("kind") == "Job" and d["spec"].get("completionMode"))
    cases = [
        (lambda f: f[gh][0]["jobs"][shard_job]["strategy"]["matrix"].update(
            shard=[1, 2, 2, 4]), "does not cover"),
        (lambda f: f[gh][0]["jobs"][shard_job]["strategy"]["matrix"].update(
            shard=[1, 2, 3]), "does not cover"),
        (lambda f: f[gh][0]["jobs"][merge_job].update(needs="nope"),
         "needs unknown job"),
        (lambda f: f[gh][0]["jobs"][merge_job].pop("if"), "after a failed shard"),
        (lambda f: f[gh][0]["jobs"][shard_job]["steps"][1]["with"].update(
            colour="red"), "unknown action input"),
        (lambda f: f["action.yml"][0]["inputs"].pop("shard"), "input 'shard' missing"),
        (lambda f: f["examples/ci/gitlab.yml"][0]["crashlab"].pop("parallel"),
         "parallel"),
        (lambda f: f[k8s][idx]["spec"].update(completions=3), "do not cover"),
        (lambda f: f[k8s][idx + 1]["spec"]["template"]["spec"]["containers"][0][
            "command"].remove("/reports/shard-2"), "exactly once"),
    ]
    return all([broken(m, w) for m, w in cases])


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    src = sys.argv[1]
    files = {}
    for name in FILES:
        try:
            files[name] = load_all(os.path.join(src, name))
        except (OSError, yaml.YAMLError) as e:
            print(f"FAIL: {name}: {e}")
            return 1
    errors = check_all(files)
    for e in errors:
        print("FAIL: " + e)
    if not errors:
        print(f"ok: {len(FILES)} files: jobs, needs, inputs and shard arithmetic")
    ok = not errors
    if "--self-test" in sys.argv[2:]:
        ok = self_test(files) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
