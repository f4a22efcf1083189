#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# The findings of the issue 13 review, one kselftest each (TAP).
exec /bin/ichip_review_test
