# hexbeat: a static front end built with Node, a cgo binary (h3) built with Go, run on
# Debian slim.
FROM node:20-bookworm AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=web /src/web/dist ./web/dist
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w" -o /out/hexbeat ./cmd/hexbeat

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl tzdata \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /data hexbeat && mkdir -p /data /secrets && chown hexbeat /data /secrets && chmod 700 /secrets
COPY --from=build /out/hexbeat /usr/local/bin/hexbeat
USER hexbeat
WORKDIR /data
ENV HEXBEAT_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["hexbeat"]
CMD ["serve"]
