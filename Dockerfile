# syntax=docker/dockerfile:1
# crashlab container image: a Debian 12 build stage that builds the .deb with
# CPack, and a Debian 12 runtime stage that installs it (apt resolves the
# dependencies the package declares). The entry point is crashlab:
#
#   docker build --build-arg CRASHLAB_GIT_COMMIT="$(git rev-parse HEAD)" -t crashlab:0.1.0 .
#   docker run --rm crashlab:0.1.0 --version
#   docker run --rm -v "$PWD:/project" crashlab:0.1.0 run scenarios/ --report-dir crashlab-reports
#
# fuse and exec mode mount faultfs inside the container, which needs the FUSE
# device and mount(2) (CAP_SYS_ADMIN):
#   docker run --rm --device /dev/fuse --cap-add SYS_ADMIN crashlab:0.1.0 run --mode fuse
# (README.md, "Containers").

ARG DEBIAN_IMAGE=debian:12

FROM ${DEBIAN_IMAGE} AS build
# .dockerignore keeps .git out of the context: pass the commit for --version.
ARG CRASHLAB_GIT_COMMIT=
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN bash scripts/install-deps.sh --build-only && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCRASHLAB_BUILD_TESTS=OFF -DCRASHLAB_BUILD_BENCH=OFF \
      -DCRASHLAB_GIT_COMMIT="${CRASHLAB_GIT_COMMIT}" \
 && cmake --build /build --target crashlab faultfs ckpt -j"$(nproc)" \
 && cd /build && cpack -G DEB \
 && mkdir /out && cp /build/crashlab_*.deb /out/

FROM ${DEBIAN_IMAGE} AS runtime
COPY --from=build /out/ /tmp/deb/
# sqlite3 (recommended by the package) runs the exec-mode examples.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      /tmp/deb/crashlab_*.deb sqlite3 \
 && rm -rf /var/lib/apt/lists/* /tmp/deb \
 && crashlab --version
WORKDIR /project
ENTRYPOINT ["crashlab"]
# No arguments: the suite shipped in the image (/usr/share/crashlab/scenarios).
CMD ["run"]
