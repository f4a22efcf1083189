#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# n_ichip's queue knobs and events (TAP on stdout).
grep -q '^n_ichip *29' /proc/tty/ldiscs || { cat /proc/tty/ldiscs; exit 1; }
exec /bin/ichip_queue_test
