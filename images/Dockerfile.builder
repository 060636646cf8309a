# syntax=docker/dockerfile:1.7
# The builder: OMNeT++ of OMNETPP_VERSION with its headers and makefiles, the compilers, distcc, git and Node 22
# with the builder entrypoint. Compiles a model at one commit and stores the runtime tree in GridFS.
# Bases are pinned by tag; digests unknown where this was written: append @sha256:<digest> when publishing.
ARG OMNETPP_VERSION=6.1.0
ARG DEBIAN_IMAGE=debian:bookworm-20250929-slim
ARG NODE_IMAGE=node:22.20.0-bookworm-slim

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

FROM ${NODE_IMAGE} AS app
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY api/ api/
COPY lib/ lib/
COPY pods/ pods/
# Compiled like the operator image: no TypeScript compiler at run time, a faster start, less memory.
RUN npx tsc -p tsconfig.json --rootDir . --outDir /app \
    && npm prune --omit=dev --no-audit --no-fund && npm cache clean --force \
    && cp -r node_modules package.json /app/ \
    && test -f /app/pods/builder/main.js

FROM ${DEBIAN_IMAGE}
ARG OMNETPP_VERSION
# The same g++ as the distccd image (both from this Debian release): distcc needs identical compilers.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git openssh-client make g++ bison flex perl \
       python3 libxml2-dev zlib1g-dev distcc zstd xz-utils tini \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 1000 inet && useradd --uid 1000 --gid 1000 --create-home --shell /usr/sbin/nologin inet
COPY --from=app /usr/local/bin/node /usr/local/bin/node
COPY --from=omnetpp /opt/omnetpp /opt/omnetpp
COPY --from=app /app /app
ENV OMNETPP_ROOT=/opt/omnetpp \
    OMNETPP_VERSION=${OMNETPP_VERSION} \
    PATH=/opt/omnetpp/bin:/usr/local/bin:/usr/bin:/bin \
    LD_LIBRARY_PATH=/opt/omnetpp/lib \
    NODE_ENV=production
WORKDIR /app
USER 1000:1000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "pods/builder/main.js"]
