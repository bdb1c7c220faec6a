#!/usr/bin/env bash
# Mutation testing with mutmut 3 over the modules where a quiet change would hurt most: the SSE
# decoder (sse.py), the retry policy (retry.py) and error mapping (errors.py, http_failures.py), the
# parsing of answers (api.py) and the files on disk (store.py); the list is [tool.mutmut] in
# pyproject.toml.
#
#   scripts/mutmut.sh            # all of them; then the score per module
#   scripts/mutmut.sh 'lowrouter_cli.sse*'   # only these mutants (mutmut's name globs)
#
# mutmut is a test-only tool installed here on demand (not in the test extra, so .ci/run stays as
# fast as it was). It copies the project to mutants/, runs the focused test files named in
# [tool.mutmut] once to learn which tests reach which function, then runs only those tests against
# each mutant, fastest first, stopping at the first failure. Results stay in mutants/ (a second run
# reuses them and reruns only mutants of changed functions, or those named); `rm -rf mutants`
# starts afresh: about 15 minutes on 2 shared cores (MUTMUT_CHILDREN=2, run it under `nice`).
# Then the score per module, and a check that every entry of mutmut_equivalent.txt still names the
# mutant it describes (exit 1 if not).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
"$python" -c 'import mutmut' 2>/dev/null || "$python" -m pip install -q 'mutmut==3.8.1'
"$python" -m mutmut run --max-children "${MUTMUT_CHILDREN:-2}" "$@" >mutants.log 2>&1 || {
  tail -40 mutants.log >&2
  exit 1
}
"$python" scripts/mutmut_score.py --check
