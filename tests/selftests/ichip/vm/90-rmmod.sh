#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# Unload refused while in use, clean under racing dumps; leaves the
# module unloaded, so it runs last (TAP).
exec /bin/ichip_rmmod_test
