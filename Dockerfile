# censorprobe: multi-stage build. Measuring the ISP's resolver needs `--network host` (otherwise
# Docker's own DNS proxy is what gets measured); the lab needs `--cap-add NET_ADMIN`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
RUN npm ci --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
# V8 collects lazily on a big machine; a cap keeps a whole-list run's memory flat (docs/performance.md).
ENV NODE_OPTIONS=--max-old-space-size=160
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY lists ./lists
COPY data ./data
RUN mkdir /reports && chown node:node /reports
USER node
VOLUME ["/reports"]
ENTRYPOINT ["node", "/app/bin/censorprobe.js"]
CMD ["--help"]
