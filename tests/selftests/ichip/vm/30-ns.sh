#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# User and network namespaces (TAP).
exec /bin/ichip_ns_test
