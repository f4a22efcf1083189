#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# kver.sh - print the kernel release the test VM boots (e.g. 6.1.0-56-cloud-amd64).
#
#   make -C /usr/src/linux-headers-$(tests/vm/kver.sh) M=$PWD
#
# Same resolution as get-kernel.sh (tests/vm/lib.sh), so a module built with
# this KVER loads in the VM.  Fails when the matching headers are missing.
# Env: VM_KERNEL_FLAVOUR (default cloud-amd64).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kver=$(vm_kver)
vm_check_headers "$kver"
printf '%s\n' "$kver"
