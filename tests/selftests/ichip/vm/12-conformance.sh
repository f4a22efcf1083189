#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# the conformance transcripts through n_ichip (TAP on stdout).
grep -q '^n_ichip *29' /proc/tty/ldiscs || { cat /proc/tty/ldiscs; exit 1; }
exec /bin/ichip_conformance_test
