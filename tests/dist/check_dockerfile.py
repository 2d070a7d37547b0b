#!/usr/bin/env python3
"""Structural lint of crashlab's Dockerfile and .dockerignore, for machines
without a Docker engine (the image itself is not built here).

Checks: known instructions, continuation lines, ARGs used in FROM declared
first, a Debian 12 build stage that builds the .deb with CPack, a runtime
stage that installs that .deb with apt from the build stage, the crashlab
entry point in exec form, COPY sources that exist and are not ignored, and a
.dockerignore that keeps .git and build output out of the context.

usage: check_dockerfile.py SOURCE_DIR [--self-test]
"""
import fnmatch
import json
import os
import re
import sys

KNOWN = {"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY",
         "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD",
         "STOPSIGNAL", "HEALTHCHECK", "SHELL"}


def instructions(text):
    """[(line, KEYWORD, args)] with continuations joined, comments dropped."""
    out, buf, start = [], "", 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if buf and line.startswith("#"):
            continue
        if not buf:
            start = n
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        kw, _, args = buf.partition(" ")
        out.append((start, kw, args.strip()))
        buf = ""
    if buf:
        out.append((start, "<unterminated>", buf))
    return out


def ignored(path, patterns):
    result = False
    for p in patterns:
        neg = p.startswith("!")
        p = p[1:] if neg else p
        p = p.rstrip("/")
        if fnmatch.fnmatch(path, p) or path.startswith(p + "/"):
            result = not neg
    return result


def check(dockerfile, dockerignore, src):
    errors = []
    ins = instructions(dockerfile)
    patterns = [l.strip() for l in dockerignore.splitlines()
                if l.strip() and not l.strip().startswith("#")]
    for want in (".git", "build/"):
        if want not in patterns:
            errors.append(f".dockerignore: does not exclude {want}")
    args_before_from = {}
    stages = []  # [{"name", "base", "ins": [...]}]
    for line, kw, args in ins:
        if kw not in KNOWN:
            errors.append(f"Dockerfile:{line}: unknown instruction {kw}")
            continue
        if kw == "ARG" and not stages:
            name, _, default = args.partition("=")
            args_before_from[name] = default
            continue
        if kw == "FROM":
            m = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", args, re.IGNORECASE)
            if not m:
                errors.append(f"Dockerfile:{line}: bad FROM {args}")
                continue
            base = m.group(1)
            for ref in re.findall(r"\$\{?(\w+)\}?", base):
                if ref not in args_before_from:
                    errors.append(f"Dockerfile:{line}: FROM uses undeclared ARG {ref}")
                else:
                    base = re.sub(r"\$\{?" + ref + r"\}?", args_before_from[ref], base)
            stages.append({"name": m.group(2), "base": base, "line": line, "ins": []})
            continue
        if not stages:
            errors.append(f"Dockerfile:{line}: {kw} before FROM")
            continue
        stages[-1]["ins"].append((line, kw, args))
    if len(stages) < 2:
        errors.append(f"Dockerfile: {len(stages)} stage(s), want a build and a runtime stage")
        return errors
    for s in stages:
        if s["base"] not in ("debian:12", "debian:12-slim", "debian:bookworm",
                             "debian:bookworm-slim"):
            errors.append(f"Dockerfile:{s['line']}: stage {s['name']} is not Debian 12 ({s['base']})")
    build, runtime = stages[0], stages[-1]
    names = [s["name"] for s in stages]
    btext = " ".join(a for _, k, a in build["ins"] if k == "RUN")
    for want, what in (("install-deps.sh --build-only", "installs the build dependencies"),
                       ("-DCMAKE_BUILD_TYPE=Release", "configures a Release build"),
                       ("cpack -G DEB", "builds the .deb with CPack")):
        if want not in btext:
            errors.append(f"Dockerfile: build stage {build['name']} never {what}")
    for line, kw, args in build["ins"] + runtime["ins"]:
        if kw in ("COPY", "ADD"):
            parts = [p for p in args.split() if not p.startswith("--")]
            frm = re.search(r"--from=(\S+)", args)
            if frm:
                if frm.group(1) not in names[:-1]:
                    errors.append(f"Dockerfile:{line}: COPY --from an unknown earlier stage")
                continue
            for p in parts[:-1]:
                rel = os.path.normpath(p)
                if rel != "." and not os.path.exists(os.path.join(src, rel)):
                    errors.append(f"Dockerfile:{line}: COPY source {p} does not exist")
                if rel != "." and ignored(rel, patterns):
                    errors.append(f"Dockerfile:{line}: COPY source {p} is in .dockerignore")
    rtext = " ".join(a for _, k, a in runtime["ins"] if k == "RUN")
    if not any(k == "COPY" and "--from=" + str(build["name"]) in a
               for _, k, a in runtime["ins"]):
        errors.append("Dockerfile: the runtime stage copies nothing from the build stage")
    if not re.search(r"apt-get install[^&]*\.deb", rtext):
        errors.append("Dockerfile: the runtime stage does not apt-get install the .deb")
    if "rm -rf /var/lib/apt/lists" not in rtext:
        errors.append("Dockerfile: the runtime stage keeps the apt lists")
    if "cmake" in rtext or "g++" in rtext:
        errors.append("Dockerfile: the runtime stage builds (compilers in the image)")
    entry = [a for _, k, a in runtime["ins"] if k == "ENTRYPOINT"]
    try:
        if not entry or json.loads(entry[-1])[0] != "crashlab":
            errors.append("Dockerfile: ENTRYPOINT is not [\"crashlab\", ...] (exec form)")
    except (ValueError, IndexError):
        errors.append("Dockerfile: ENTRYPOINT is not JSON exec form")
    for _, k, a in runtime["ins"]:
        if k == "CMD":
            try:
                json.loads(a)
            except ValueError:
                errors.append("Dockerfile: CMD is not JSON exec form")
    return errors


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    src = sys.argv[1]
    with open(os.path.join(src, "Dockerfile"), encoding="utf-8") as f:
        df = f.read()
    with open(os.path.join(src, ".dockerignore"), encoding="utf-8") as f:
        di = f.read()
    errors = check(df, di, src)
    for e in errors:
        print("FAIL: " + e)
    if not errors:
        print("ok: Dockerfile and .dockerignore")
    ok = not errors
    if "--self-test" in sys.argv[2:]:
        cases = [
            (df.replace("cpack -G DEB", "true"), di, "CPack"),
            (df.replace('ENTRYPOINT ["crashlab"]', "ENTRYPOINT crashlab"), di, "exec form"),
            (df.replace("--from=build", "--from=nowhere"), di, "unknown earlier stage"),
            (df.replace("ARG DEBIAN_IMAGE=debian:12", "ARG DEBIAN_IMAGE=ubuntu:24.04"), di,
             "not Debian 12"),
            (df, di.replace(".git\n", ""), "does not exclude .git"),
            (df, di + "scripts/\n", "is in .dockerignore"),
            (df.replace("COPY scripts/install-deps.sh", "COPY scripts/nope.sh"), di,
             "does not exist"),
        ]
        for d, i, want in cases:
            errs = check(d, i, src)
            hit = any(want in e for e in errs)
            print(("ok: " if hit else "FAIL: ") + f"self-test: rejects {want!r}" +
                  ("" if hit else f" ({errs})"))
            ok = ok and hit
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
