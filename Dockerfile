# Argus container image: a static Go build on a slim Debian runtime.
#
#   docker build -t argus .
#   docker run --rm -p 8088:8088 -p 8188:8188 argus
#
# Used by docker-compose.homer.yml (docs/STACK.md). Every base image is
# pinned to an explicit version; dashboards/dashboards_test.go checks it.

# ---- build ----
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -ldflags="-s -w" -o /out/argus ./cmd/argus

# ---- runtime ----
FROM debian:12.11-slim
RUN groupadd --system --gid 10001 argus \
	&& useradd --system --uid 10001 --gid argus --no-create-home --shell /usr/sbin/nologin argus
COPY --from=build /out/argus /usr/local/bin/argus
USER argus:argus
# Janus API (HTTP, WebSocket), Admin API (HTTP, WebSocket) incl. /metrics.
EXPOSE 8088/tcp 8188/tcp 7088/tcp 7188/tcp
ENTRYPOINT ["/usr/local/bin/argus"]
CMD ["-loopback-candidates=false"]
