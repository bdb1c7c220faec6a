#!/usr/bin/env bash
# Mutation testing with mutmut 3 over the modules where a quiet change would hurt most: the SSE
# decoder (sse.py), the retry policy and error mapping (transport.py, errors.py), the parsing of
# answers (api.py) and the files on disk (store.py); the list is [tool.mutmut] in pyproject.toml.
#
#   scripts/mutmut.sh            # all of them; then the score per module
#   scripts/mutmut.sh 'lowrouter_cli.sse*'   # only these mutants (mutmut's name globs)
#
# mutmut is a test-only tool installed here on demand (not in the test extra, so .ci/run stays as
# fast as it was). It copies the project to mutants/, runs the suite once to learn which tests
# reach which function, then runs only those tests against each mutant. Results stay in mutants/
# (a second run reuses them); `rm -rf mutants` starts afresh. Takes several minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
"$python" -c 'import mutmut' 2>/dev/null || "$python" -m pip install -q 'mutmut==3.8.1'
"$python" -m mutmut run --max-children "${MUTMUT_CHILDREN:-2}" "$@" >mutants.log 2>&1 || {
  tail -40 mutants.log >&2
  exit 1
}
"$python" scripts/mutmut_score.py
