#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# The kernel-transport matrix, half two: no flow control (SSND payloads
# of 256 bytes); see 60-matrix-kernel.sh.
MATRIX_FLOW=none exec /tests/60-matrix-kernel.sh
