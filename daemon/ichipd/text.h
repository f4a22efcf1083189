/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * Text from the module made fit for a D-Bus string: sd-bus refuses a
 * string that is not valid UTF-8, and one bad property then breaks
 * GetManagedObjects and GetAll for every caller.
 */
#ifndef ICHIPD_TEXT_H
#define ICHIPD_TEXT_H

#include <stddef.h>

/*
 * A new NUL-terminated copy of @len bytes of @in in which valid UTF-8
 * (no overlong forms, surrogates or code points past U+10FFFF) other
 * than control characters is kept, '\' becomes "\\", and every other
 * byte becomes "\xHH": readable, and still says which bytes came.
 * NULL when out of memory.
 */
char *text_escape(const char *in, size_t len);

#endif /* ICHIPD_TEXT_H */
