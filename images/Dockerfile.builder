# The builder: the builder base (Dockerfile.builder-base: the compilers, distcc, git, tini, Node 22 with the builder
# entrypoint) with OMNeT++ of OMNETPP_VERSION on top, its headers and makefiles included. Compiles a model at one
# commit and stores the runtime tree in GridFS.
# Bases are pinned by tag; digests unknown where this was written: append @sha256:<digest> when publishing.
ARG OMNETPP_VERSION=6.1.0
ARG DEBIAN_IMAGE=debian:bookworm-20250929-slim
ARG BUILDER_BASE_IMAGE=ghcr.io/inet-swarm/builder-base:0.1.0

FROM ${DEBIAN_IMAGE} AS omnetpp
ARG OMNETPP_VERSION
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl bison flex perl python3 make g++ \
       libxml2-dev zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
COPY images/omnetpp-build.sh /usr/local/bin/omnetpp-build.sh
RUN /usr/local/bin/omnetpp-build.sh "${OMNETPP_VERSION}" /opt/omnetpp

FROM ${BUILDER_BASE_IMAGE}
ARG OMNETPP_VERSION
COPY --from=omnetpp /opt/omnetpp /opt/omnetpp
ENV OMNETPP_ROOT=/opt/omnetpp \
    OMNETPP_VERSION=${OMNETPP_VERSION} \
    PATH=/opt/omnetpp/bin:/usr/local/bin:/usr/bin:/bin \
    LD_LIBRARY_PATH=/opt/omnetpp/lib
USER 1000:1000
