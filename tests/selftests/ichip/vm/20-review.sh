#!/bin/sh
# The findings of the issue 13 review, one kselftest each (TAP).
exec /bin/ichip_review_test
