# syntax=docker/dockerfile:1
# tenant-api as a container image: built from the packed npm package (the same path as the
# README's "Production install"), run without a compiler, as the non-root `node` account, with
# the embedded database in the /data volume. test/http/dockerfile.test.ts runs these steps as
# plain shell commands in CI, so RUN lines use paths relative to their WORKDIR.
#
#   docker build -t tenant-api .
#   docker run -p 127.0.0.1:4000:4000 -v tenant-api-data:/data tenant-api

# --- manifests: only the package.json files (the root's and the npm workspaces') and the lock
# file, so the `npm ci` layer below is reused until one of them changes. Works with or without
# workspaces under packages/.
FROM node:22-slim AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json ! -name .npmrc -delete \
 && find . -type d -empty -delete

# --- build: every dependency (the compiler too), the sources, then `npm pack`, whose prepack
# script cleans and builds dist/.
FROM node:22-slim AS build
WORKDIR /app
COPY --from=manifests /src/ ./
# --ignore-scripts: the package's own prepare script needs the sources, which are not here yet
# (npm pack runs it below). The cache mount keeps npm's download cache out of the image.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
# Everything else; .dockerignore keeps node_modules, dist, data, .git, tests and secrets out.
COPY . .
# A fixed name, so the next stage need not know the version.
RUN npm pack && mv tenant-api-*.tgz tenant-api.tgz

# --- runtime: the packed package with its production dependencies only.
FROM node:22-slim
ENV DATA_DIR=/data HOST=0.0.0.0 PORT=4000
# The embedded database's folder, owned by `node` and private to it (tenant-api wants 0700).
WORKDIR /data
RUN chown node:node . && chmod 700 .
# Declared after the RUN above: a volume keeps what the image had in it at that point.
VOLUME /data
WORKDIR /app
COPY --from=build /app/tenant-api.tgz ./
# A package.json of its own, so npm installs here and not in a parent folder. The files stay
# owned by root: the server cannot change its own code.
RUN --mount=type=cache,target=/root/.npm \
    printf '{ "private": true }\n' > package.json \
 && npm install --omit=dev --no-audit --no-fund ./tenant-api.tgz \
 && rm tenant-api.tgz
USER node
EXPOSE 4000
# Liveness via node's own fetch (the slim image has no curl); the first start migrates, hence
# the start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form, node itself as PID 1 (with a small young generation, as bin/tenant-api.js asks): `docker stop`'s SIGTERM reaches the server, which finishes
# in-flight requests and exits 0. Other commands: `docker run … tenant-api migrate|bootstrap|--help`.
ENTRYPOINT ["node", "--max-semi-space-size=4", "/app/node_modules/tenant-api/bin/tenant-api.js"]
CMD ["serve"]
