#!/bin/sh
# n_ichip's queue knobs and events (TAP on stdout).
grep -q '^n_ichip *29' /proc/tty/ldiscs || { cat /proc/tty/ldiscs; exit 1; }
exec /bin/ichip_queue_test
