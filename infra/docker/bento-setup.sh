#!/bin/sh
# Run by `bentoml containerize` while building the endpoint image: the CPU build of torch, which the
# lock leaves out on purpose (see the Makefile). Set TORCH_INDEX_URL for a CUDA build.
set -eu
pip install --no-cache-dir --index-url "${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}" "torch==2.13.0"
