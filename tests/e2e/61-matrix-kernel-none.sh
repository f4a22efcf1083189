#!/bin/sh
# The kernel-transport matrix, half two: no flow control (SSND payloads
# of 256 bytes); see 60-matrix-kernel.sh.
MATRIX_FLOW=none exec /tests/60-matrix-kernel.sh
