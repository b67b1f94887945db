#!/usr/bin/env bash
# Issue 16's long fuzz run, outside the default suite (and outside CI's 10 minutes): N mutated scenarios (default
# 1,000,000) fed to one persistent `netperf validate-worker` child under a 512 MB heap limit, 5 s per input, as
# ValidatorWorkerFuzzTests does with its default 400. Prints inputs, accepted, refused, failed, worker starts,
# seconds and inputs/s; exits non-zero naming the first failing inputs. Build first: dotnet build NetPerf.sln
set -euo pipefail
cd "$(dirname "$0")/../.."
inputs="${1:-1000000}"
NETPERF_FUZZ_INPUTS="$inputs" dotnet test tests/NetPerf.Cli.Tests --no-build \
    --filter FullyQualifiedName~ValidatorWorkerFuzzTests --logger "console;verbosity=detailed" | grep -E '^\s*(fuzz:|Passed|Failed|Total|input )' || true
exit "${PIPESTATUS[0]}"
