#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# Multithreaded stress; the VM fails the run on any kernel splat (TAP).
exec /bin/ichip_stress_test
