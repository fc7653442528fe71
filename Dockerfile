# telltale in a container: `docker build -t telltale .`, then
#   docker run --rm -v "$PWD:/src" -w /src telltale scan package-lock.json
#   docker run --rm telltale scan npm:es5-ext@0.10.64
# `probe` builds its own sandbox with bubblewrap and user namespaces; in a container that
# needs them allowed, e.g. `docker run --rm --security-opt seccomp=unconfined
# --security-opt apparmor=unconfined telltale probe npm:es5-ext@0.10.64 --persona us,ru`
# (it exits 3, running nothing, when its isolation check fails).
#
# Not built by this repository's CI (its machines have no Docker); the build steps are the
# README's `cargo install` line and Debian's packages for probe.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo install --path crates/telltale --locked --root /out

FROM debian:bookworm-slim
# ca-certificates: registry downloads; bubblewrap, Node.js and iproute2: `telltale probe`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates bubblewrap nodejs iproute2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/bin/telltale /usr/local/bin/telltale
RUN useradd --create-home --uid 10001 telltale
USER telltale
WORKDIR /home/telltale
ENTRYPOINT ["telltale"]
CMD ["--help"]
