# syntax=docker/dockerfile:1
# SAA image: the saa binary and the first-party plugins on distroless, as a
# non-root user, with the data dir (bbolt, compiled-module cache, keys) on a
# volume. The image defaults to ENVIRONMENT=production, which refuses
# generated keys and passwords: pass them in (see README, "Container").

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
COPY . .
# make build: bin/saa, then every plugin's .wasm with its sha256 pinned in manifests/.
RUN --mount=type=cache,target=/root/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    make build
# The runtime layout: manifests/ next to plugins/<name>/<name>.wasm, as the
# manifests' relative wasm paths expect; only what the server loads.
RUN mkdir -p /out/app/plugins /out/data \
 && cp bin/saa /out/app/saa \
 && cp -r manifests /out/app/manifests \
 && rm -rf /out/app/manifests/*.go /out/app/manifests/testdata \
 && for d in plugins/*/; do n=$(basename "$d"); mkdir -p "/out/app/plugins/$n" && cp "$d"*.wasm "/out/app/plugins/$n/"; done \
 && mkdir -p /out/app/semantic && cp -r semantic/models /out/app/semantic/models

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /app
ENV ENVIRONMENT=production \
    SAA_ADDR=0.0.0.0:8080 \
    SAA_DATA_DIR=/data \
    SAA_PLUGINS_DIR=/app/manifests
USER 65532:65532
VOLUME ["/data"]
EXPOSE 8080
# `saa healthcheck` GETs /readyz on SAA_ADDR; distroless has no shell or curl.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["/app/saa", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/saa"]
CMD ["serve"]
