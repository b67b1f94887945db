# The netperf command in a container: for sweeps on a Kubernetes cluster (deploy/netperf-sweep-job.yaml), on Slurm
# (docs/scale.md) or anywhere Docker runs.
#   docker build -t netperf:0.1.0 .
#   docker run --rm -v "$PWD/results:/results" netperf:0.1.0 run /scenarios/pod-cross-node.yaml --results-dir /results
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/NetPerf.Cli/NetPerf.Cli.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/runtime:10.0
# Plots need a font: SkiaSharp finds files under /usr/share/fonts (without one it leaves text out).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app
COPY scenarios /scenarios
RUN printf '#!/bin/sh\nexec dotnet /app/netperf.dll "$@"\n' > /usr/local/bin/netperf && chmod 755 /usr/local/bin/netperf
# The image's unprivileged user (UID 1654 in .NET's images); results go wherever --results-dir points.
USER app
WORKDIR /tmp
ENTRYPOINT ["netperf"]
