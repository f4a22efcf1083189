#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# n_ichip in checksum mode (issue 17), one kselftest per path (TAP).
exec /bin/ichip_cksum_test
