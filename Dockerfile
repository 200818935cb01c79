# The Glidepath worker (and CLI) image.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY plan plan
COPY workflows workflows
COPY activities activities
COPY workers workers
COPY starters starters
COPY encryption encryption
COPY bin bin
COPY tsconfig.json ./
USER node
ENTRYPOINT ["bin/glidepath"]
CMD ["worker"]
