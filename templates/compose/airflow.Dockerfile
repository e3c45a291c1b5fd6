# Airflow with the healthpredict CLI on PATH, so that every task is a BashOperator calling it.
FROM node:20-bookworm-slim AS node

FROM apache/airflow:2.10.5-python3.11
USER root
# libxgboost for `train`; curl for the webserver's health check.
RUN apt-get update \
  && apt-get install -y --no-install-recommends curl libxgboost-dev \
  && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm

ARG HEALTHPREDICT_PACKAGE
# `build` tags images with the CLI's commit, which an installed package cannot ask git for.
ARG HEALTHPREDICT_SOURCE_COMMIT
ENV HEALTHPREDICT_SOURCE_COMMIT=${HEALTHPREDICT_SOURCE_COMMIT}
COPY ${HEALTHPREDICT_PACKAGE} /tmp/healthpredict.tgz
RUN npm install --global /tmp/healthpredict.tgz && rm /tmp/healthpredict.tgz
USER airflow
