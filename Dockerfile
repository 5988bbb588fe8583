# syntax=docker/dockerfile:1
# Portal API container image. Three stages on Node 24 slim (the runtime of .nvmrc):
#   build   — all dependencies, TypeScript compiled to dist/ (npm run build)
#   deps    — production dependencies only (npm ci --omit=dev)
#   runtime — dist/, the generated contract files the server reads at run time, the production node_modules;
#             runs as the unprivileged `node` user, probed on the admin listener's /livez.
# The same layout (package.json, dist/, generated/, openapi/, node_modules) is what `npm run canary` runs as a
# compiled build. test/ops/dockerfile.test.ts checks this file offline (no Docker engine there).
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY generated ./generated
COPY src ./src
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    PORTAL_ADMIN_HOST=0.0.0.0 \
    PORTAL_ADMIN_PORT=9464
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY generated/openapi.json generated/backend.openapi.json ./generated/
COPY generated/docs ./generated/docs
COPY openapi/openapi.yaml ./openapi/
USER node
EXPOSE 3000 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORTAL_ADMIN_PORT || 9464) + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/server.js"]
