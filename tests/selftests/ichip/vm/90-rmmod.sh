#!/bin/sh
# Every test closed its ptys: the module must unload cleanly.
rmmod n_ichip || exit 1
! grep -q '^n_ichip ' /proc/modules
