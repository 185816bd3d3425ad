#!/usr/bin/env bash
# META.json (PGXN) against the control file: the distribution's and the
# extension's version are default_version as PGXN's semantic version (1.6
# is 1.6.0), the file it names is shipped, and the JSON parses.  Prints
# TAP lines; test/run.sh counts them.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python3 - "$root" <<'PY'
import json, os, re, sys
root = sys.argv[1]
n = 0
def check(ok, what):
    global n
    n += 1
    print(("ok" if ok else "not ok") + f" {n} - META.json: {what}")
control = open(os.path.join(root, "workflow_registry.control")).read()
default = re.search(r"^default_version = '([^']*)'", control, re.M).group(1)
semver = ".".join((default.split(".") + ["0", "0"])[:3])
try:
    meta = json.load(open(os.path.join(root, "META.json")))
except ValueError as e:
    check(False, f"parses ({e})")
    sys.exit(1)
check(True, "parses")
ext = meta.get("provides", {}).get("workflow_registry", {})
check(meta.get("version") == semver, f"version {meta.get('version')} is default_version {default} ({semver})")
check(ext.get("version") == semver, f"provides.workflow_registry.version {ext.get('version')} is {semver}")
makefile = open(os.path.join(root, "Makefile")).read()
check(ext.get("file") in makefile.split() and os.path.exists(os.path.join(root, ext.get("file", ""))),
      f"provides.workflow_registry.file {ext.get('file')} exists and is in DATA")
for key in ("name", "abstract", "maintainer", "license", "meta-spec"):
    check(key in meta, f"has the required key {key}")
PY
