#!/bin/sh
# Multithreaded stress; the VM fails the run on any kernel splat (TAP).
exec /bin/ichip_stress_test
