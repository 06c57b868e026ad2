# syntax=docker/dockerfile:1
# pitfall as a container: `docker run IMAGE --version`, `docker run IMAGE scan -o json`, `… serve --watch`.
# Runs as a numeric non-root user with a read-only root filesystem; only /tmp (an emptyDir in deploy/) is written.

ARG NODE_IMAGE=node:20-slim

# Compile TypeScript with the dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# schema/ ships with the package when it exists; an empty one keeps the runtime COPY valid when it does not.
RUN mkdir -p schema && npm run build

# Production dependencies only, installed apart so no dev tool reaches the runtime image.
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# npm, npx, corepack and yarn are never run in the container; removing them shrinks the image and its CVE surface.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg
ENV NODE_ENV=production \
    HOME=/tmp \
    TMPDIR=/tmp \
    NO_UPDATE_NOTIFIER=1
WORKDIR /app
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
COPY --from=build /src/kb ./kb
COPY --from=build /src/schema ./schema
# Numeric, so kubelet can verify runAsNonRoot without looking the name up in /etc/passwd.
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["node", "/app/bin/pitfall.js"]
CMD ["--help"]
