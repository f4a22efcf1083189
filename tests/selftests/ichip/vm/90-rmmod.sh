#!/bin/sh
# Unload refused while in use, clean under racing dumps; leaves the
# module unloaded, so it runs last (TAP).
exec /bin/ichip_rmmod_test
