# IT-portalen: one static binary in a distroless image.
#   docker build --build-arg VERSION=1.0.0 --build-arg COMMIT=abc1234 --build-arg DATE=2026-11-27T00:00:00Z -t itportal .
# Configuration and operation: docs/operations.md.

FROM golang:1.26-bookworm AS build
# The same toolchain as the Makefile (go1.26.8's standard library has known
# vulnerabilities); the go command fetches it from the module proxy.
ENV GOTOOLCHAIN=go1.27.3 CGO_ENABLED=0
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
ARG DATE=unknown
RUN go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" \
      -o /out/itportal ./cmd/itportal

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/itportal /itportal
USER nonroot:nonroot
ENV ITPORTAL_LISTEN=:8080
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s CMD ["/itportal", "healthcheck"]
ENTRYPOINT ["/itportal"]
CMD ["serve"]
