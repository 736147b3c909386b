# syntax=docker/dockerfile:1
# Chatify: multi-stage image. The build stage compiles the server (dist/) and the web client (dist/web/);
# the runtime stage holds production dependencies and dist/ only, and runs as the unprivileged `node` user.
# Configure it through the environment (see .env.example); MONGODB_URI and JWT_SECRET are required.

FROM node:20-slim AS build
WORKDIR /app
# Swagger UI's optional install-time analytics stay off.
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY web ./web
RUN npm run build

FROM node:20-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    SCARF_ANALYTICS=false \
    PORT=3000 \
    HOST=0.0.0.0
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# /health answers 200 only while the database answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
