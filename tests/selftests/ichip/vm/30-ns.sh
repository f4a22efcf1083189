#!/bin/sh
# User and network namespaces (TAP).
exec /bin/ichip_ns_test
