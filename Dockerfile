# The Glidepath worker (and CLI) image: compiled JavaScript and a prebuilt workflow bundle on Node 24, no tsx.
# Node 24 is the major the project's scripts pin (scripts/node.sh).

# Build: tsc to dist/, then the workflow bundle to dist/workflow-bundle.js (npm run build).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Every source directory of tsconfig.json but test/ (.dockerignore); tsconfig.build.json leaves out the dev-only ones.
COPY . .
RUN npm run build

# Run: production dependencies and dist/ only.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# ssh-keygen: `glidepath approve --sign-key` signs through it (SSH signatures, as git signs commits).
RUN apt-get update && apt-get install -y --no-install-recommends openssh-client && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
USER node
ENTRYPOINT ["node", "dist/starters/cli.js"]
CMD ["worker"]
