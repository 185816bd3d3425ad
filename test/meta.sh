#!/usr/bin/env bash
# META.json (PGXN) against the control file: the distribution's and the
# extension's version are default_version as PGXN's semantic version (1.6
# is 1.6.0), the file it names is shipped, and the JSON parses; and the
# layers of src/ (below).  Prints TAP lines; test/run.sh counts them.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
meta=$(python3 - "$root" <<'PY'
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
)
meta_rc=$?
printf '%s\n' "$meta"

# The house stays a tree: src/ is in layers, and a module (its .c and .h)
# includes the headers of lower layers only.  tables.c is the bottom that
# every statement stands on; the SQL-callable entry points are the top.
# A new module must be given its layer here.
python3 - "$root" "$(printf '%s\n' "$meta" | grep -cE '^(not )?ok ')" <<'PY'
import glob, os, re, sys
root = sys.argv[1]
layers = [
    ["api"],                     # the versions of the SQL scripts
    ["message"],                 # error helpers
    ["catalog", "notify", "shapes"],  # the extension's own objects; NOTIFY;
                                 # orchestrator-core's tables as accepted
    ["tables"],                  # where the registry's tables are, as whom
    ["spi", "guards"],           # kept statements; what attach puts on core's tables
    ["definition", "links", "classify"],  # a definition read from jsonb; link rule
                                 # and locks; which of core's workflows are managed
    ["undo"],                    # the undo entries' format; undoing a step
    ["registry"],                # writing the registry
    ["ledger", "bulk"],          # migrations; create_workflows
    ["import", "manifest"],      # import; plan, sync, check
    ["attach"],                  # attach_orchestrator_core
    ["workflow_registry"],       # the SQL-callable entry points
]
level = {m: i for i, ms in enumerate(layers) for m in ms}
n = int(sys.argv[2])
modules = sorted({os.path.basename(f)[:-2] for f in glob.glob(os.path.join(root, "src", "*.[ch]"))})
for m in modules:
    n += 1
    bad = []
    if m not in level:
        print(f"not ok {n} - layers: src/{m} has no layer in test/meta.sh")
        continue
    for ext in (".c", ".h"):
        path = os.path.join(root, "src", m + ext)
        if not os.path.exists(path):
            continue
        for inc in re.findall(r'^#include "([a-z_]+)\.h"', open(path).read(), re.M):
            if inc != m and inc in level and level[inc] >= level[m]:
                bad.append(f"{m}{ext} includes {inc}.h")
            elif inc != m and inc not in level and os.path.exists(os.path.join(root, "src", inc + ".h")):
                bad.append(f"{m}{ext} includes {inc}.h, which has no layer")
    print(("not ok" if bad else "ok") + f" {n} - layers: src/{m} includes only lower layers" +
          (" (" + "; ".join(bad) + ")" if bad else ""))
PY
[ $? -eq 0 ] && [ $meta_rc -eq 0 ]
