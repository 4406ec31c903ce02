# syntax=docker/dockerfile:1.7
# One image for every Tessera role. The command picks the role:
#   docker run IMAGE gateway | writer | snapshotter      (default: gateway)
#   docker run IMAGE node -e '…'                         (anything else is run as given)
#
# Build from the repository root: docker build -t tessera .

# Node 24 LTS (supported to April 2028), pinned to the patch release CI tests (.ci/run), so a
# rebuild gets the same runtime. For a byte-identical base, pin its digest as well:
#   docker buildx imagetools inspect node:24.22.3-bookworm-slim --format '{{json .Manifest.Digest}}'
#   docker build --build-arg NODE_IMAGE=node:24.22.3-bookworm-slim@sha256:<digest> .
# The digest of a multi-arch tag is that of its index, so one digest pins amd64 and arm64 alike.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# --- manifests: only the package.json files and the lockfile, so the npm ci layers below stay
# cached until a dependency changes (a source edit does not reinstall node_modules).
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && cp package.json package-lock.json /manifests/ \
 && find . -name package.json -not -path '*/node_modules/*' -not -path './package.json' \
      -exec sh -c 'mkdir -p "/manifests/$(dirname "$1")" && cp "$1" "/manifests/$1"' _ {} \;

# --- build: every workspace compiled (tsc -b) and the web client bundled (vite), then the
# devDependencies dropped.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 # Sources, tests and build caches are not needed at run time (store/lua is: it ships beside dist).
 && find . -name node_modules -prune -o \( -name test -o -name '*.tsbuildinfo' \) -print \
      | xargs rm -rf \
 && rm -rf web/src bench docs test-support

# --- runtime: Node, tini and the built app; no npm, no compiler, no shell tooling beyond Debian's base.
FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM to node (which drains and exits on its own) and reaps zombies.
# Node as PID 1 would also get SIGTERM, since every service installs a handler, but nothing would
# reap orphaned children.
# ffmpeg renders the snapshotter's timelapses (FFMPEG_PATH); one image serves every role, so the
# gateway and writer carry it too (about 100 MB) rather than the chart juggling two images.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ffmpeg \
 && rm -rf /var/lib/apt/lists/* \
 # npm, npx, corepack and yarn are build tools: dropping them removes most of the image's CVE surface.
 && rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx \
      /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*

LABEL org.opencontainers.image.title="tessera" \
      org.opencontainers.image.description="Tessera collaborative pixel canvas: gateway, writer and snapshotter" \
      org.opencontainers.image.licenses="MIT"

ENV NODE_ENV=production \
    WEB_ROOT=/app/web/dist

WORKDIR /app
# Owned by root and not writable by the service user: a compromised process cannot rewrite its code.
COPY --from=build --chown=root:root /app /app

COPY --chmod=0755 <<'EOF' /usr/local/bin/tessera
#!/bin/sh
# Selects the role; exec keeps node the direct child of tini, so signals reach it.
set -e
case "$1" in
  gateway|writer|snapshotter)
    role="$1"
    shift
    exec node "/app/$role/dist/main.js" "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
EOF

# The "node" user of the base image, by number so Kubernetes can verify runAsNonRoot.
USER 1000:1000
# gateway (PORT), writer (HTTP_PORT), snapshotter (HTTP_PORT)
EXPOSE 8080 9091 9092
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/tessera"]
CMD ["gateway"]
