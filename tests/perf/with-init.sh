#!/bin/sh
# Runs a conformance driver with extra options on its `init` step, for ../shared/perf/perf.py (which always sends
# `{"init": {}}`). Usage, as one --driver command:
#   tests/perf/with-init.sh '{"max_queue_size": 1000000, "max_queue_bytes": 2147483648}' dotnet path/to/Driver.dll
# The 1M-event run needs this so the default 100k queue bound does not drop most of the burst.
init="$1"; shift
sed "s/{\"init\": {}}/{\"init\": $init}/" | exec "$@"
