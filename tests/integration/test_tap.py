#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""The TAP runner of harness.py reports what happened, line for line.

unittest calls no addSuccess/addFailure for a test whose subTest failed,
only addSubTest: without its own `not ok` the test would vanish from the
TAP stream (and a plan mismatch is all meson would see).  Each case runs
a small suite through harness.TapResult and reads the lines it printed.
"""

import contextlib
import io
import unittest

import harness


def _cases():
    """Built on demand, so the loader of this file does not run them."""

    class _Cases(unittest.TestCase):
        def test_subtest_fails(self):
            for i in range(3):
                with self.subTest(i=i):
                    self.assertNotEqual(i, 1)

        def test_two_subtests_fail_then_error(self):
            for i in range(2):
                with self.subTest(i=i):
                    self.fail('both fail')
            raise RuntimeError('and then the test itself')

        def test_subtests_pass(self):
            for i in range(2):
                with self.subTest(i=i):
                    self.assertEqual(i, i)
    return _Cases


def run_cases(*names):
    cases = _cases()
    suite = unittest.TestSuite(cases(n) for n in names)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = harness.TapResult()
        suite.run(result)
    lines = [ln for ln in out.getvalue().splitlines()
             if ln.startswith(('ok ', 'not ok '))]
    return result, lines


class TapTest(harness.IchipTestCase):
    needs_ichipd = False

    def test_failing_subtest_prints_not_ok(self):
        result, lines = run_cases('test_subtest_fails')
        self.assertEqual(len(lines), 1, lines)
        self.assertTrue(lines[0].startswith('not ok 1 - '), lines)
        self.assertIn('test_subtest_fails', lines[0])
        self.assertFalse(result.wasSuccessful())

    def test_one_line_per_test(self):
        """Several failing subTests and an error: still one TAP line."""
        result, lines = run_cases('test_two_subtests_fail_then_error',
                                  'test_subtests_pass')
        self.assertEqual(len(lines), 2, lines)
        self.assertTrue(lines[0].startswith('not ok 1 - '), lines)
        self.assertTrue(lines[1].startswith('ok 2 - '), lines)


if __name__ == '__main__':
    harness.main()
