# syntax=docker/dockerfile:1
#
# The chat server (packages/chat) as a container: the same program as `npm start`,
# configured by environment variables (docs/operations.md, "Settings"). Without
# settings it is the embedded chat (SQLite in /data); the container stack
# (packages/infra/src/container-stack.ts) runs it on Fargate with DYNAMODB_TABLE,
# REDIS_URL and CHAT_TOKEN_SECRET_ARN.
#
#   docker build -t switchboard-chat .
#   docker run -p 8080:8080 -v chat-data:/data switchboard-chat
#
# Ports: 8080 is the public port (web client, /api, /ws, /healthz, /readyz). The
# management listener (@connections, @channels, /metrics) is bound to 127.0.0.1
# inside the container whatever the settings say, so publishing or load-balancing
# the container never exposes it.
#
# Stages: `web` builds the browser client, `deps` installs the production
# dependencies of the server (compiling better-sqlite3 if no prebuilt binary
# matches), `runtime` is the image: sources, production node_modules and the
# built client, owned by root and run as the unprivileged `node` user.

ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS base
WORKDIR /app
# Every workspace's manifest: `npm ci` checks the lockfile against all of them.
COPY package.json package-lock.json ./
COPY packages/chat/package.json packages/chat/
COPY packages/gateway/package.json packages/gateway/
COPY packages/web/package.json packages/web/
COPY packages/infra/package.json packages/infra/
COPY bench/package.json bench/

FROM base AS web
RUN --mount=type=cache,target=/root/.npm \
    npm ci --workspace @switchboard/web --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json ./
COPY packages/chat/src packages/chat/src
COPY packages/gateway/src packages/gateway/src
COPY packages/web packages/web
RUN npm run build --workspace @switchboard/web

FROM base AS deps
# Tools to compile better-sqlite3 when no prebuilt binary fits this platform.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
# npm installs the devDependencies of linked workspaces even with --omit=dev (the
# CDK library, the v2 SDK: some 300 MB); dropping them from the manifests first
# leaves what the lockfile pins for production. `npm ci` does not rewrite the lockfile.
RUN --mount=type=cache,target=/root/.npm \
    npm pkg delete devDependencies --workspace @switchboard/chat --workspace @switchboard/gateway \
    && npm ci --workspace @switchboard/chat --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    MANAGEMENT_PORT=8081 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app /app
COPY packages/chat/src packages/chat/src
COPY packages/gateway/src packages/gateway/src
COPY --from=web /app/packages/web/dist packages/web/dist
# The RDS certificate authorities: with NODE_EXTRA_CA_CERTS naming this file, a
# DATABASE_URL with sslmode=verify-full verifies Aurora's certificate.
ADD --chmod=644 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
# The only writable place: SQLite and a generated token secret when no other store is set.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 8080
# Liveness only (the process serves HTTP): readiness, which checks the store and
# Redis, is the load balancer's check on /readyz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains: no new connections, open ones closed with 1001, handlers finish, the store closes.
STOPSIGNAL SIGTERM
CMD ["node", "--conditions=@switchboard/source", "--import", "tsx", "packages/chat/src/main.ts"]
