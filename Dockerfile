# Smart Link Client: one self-contained binary on a slim image.
# Build: docker build -t smartlink-client .
# Run:   docker run -p 8080:8080 -e HOST=0.0.0.0 -e SMARTLINK_ADMIN_TOKEN=... \
#          -e SMARTLINK_CLIENT_ID=... -e SMARTLINK_CLIENT_SECRET_FILE=/run/secrets/sl -v sl-data:/data smartlink-client

FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY deno.json deno.lock ./
COPY service ./service
# vendor/postgres is linked from service/deno.json and must be there for the install.
COPY vendor ./vendor
# Only the service's packages (service/deno.lock), none of the test and tool packages.
RUN deno install --frozen --config service/deno.json
COPY . .
RUN deno task compile:native && mkdir -p /data-empty

FROM gcr.io/distroless/cc-debian12:nonroot
WORKDIR /app
COPY --from=build /src/dist/smartlink-client /app/smartlink-client
COPY --from=build --chown=65532:65532 /data-empty /data
ENV SMARTLINK_DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=8080
VOLUME ["/data"]
EXPOSE 8080
USER nonroot
# The binary checks its own /healthz (no curl on distroless).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/app/smartlink-client", "healthcheck"]
ENTRYPOINT ["/app/smartlink-client"]
CMD ["serve"]
