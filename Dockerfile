# censorprobe: multi-stage build on the current Node LTS (24). Measuring the ISP's resolver needs
# `--network host` (otherwise Docker's own DNS proxy is what gets measured); the lab needs
# `--cap-add NET_ADMIN` and root (README, docs/volunteers.md).
# The base image is named by tag: pin it by digest for a reproducible image, e.g.
#   docker build --build-arg NODE_IMAGE=node:24-bookworm-slim@sha256:<digest> .
# with the digest `docker buildx imagetools inspect node:24-bookworm-slim` prints.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# npm can exit 0 after a failed install or build step: check its product, so that the build stops
# here and not later with a missing dist/.
RUN npm ci --no-audit --no-fund && test -f dist/cli.js

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# V8 collects lazily on a big machine; a cap keeps a whole-list run's memory flat (docs/performance.md).
ENV NODE_OPTIONS="--max-old-space-size=160 --max-semi-space-size=16"
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force && test -d node_modules/commander
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY lists ./lists
COPY data ./data
# Reports go to /reports, also from `run` without --out (its default reports/<UTC time>/ is
# /app/reports, a link to it). A folder mounted there must be writable by uid 1000 (`node`).
RUN mkdir /reports && chown node:node /reports && ln -s /reports /app/reports
USER node
VOLUME ["/reports"]
# The control helper (`censorprobe control --listen 0.0.0.0:8080`), when the image runs it.
EXPOSE 8080
ENTRYPOINT ["node", "/app/bin/censorprobe.js"]
CMD ["--help"]
