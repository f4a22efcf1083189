/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
#ifndef ICHIPD_RP4_H
#define ICHIPD_RP4_H

/* Client socket handles RP4 reports (at-plus-i.md §3: 0..9). */
#define RP4_SOCKETS	10

/*
 * "(n0,n1,...)" from AT+iRP4 into @vals (at most @max): how many values,
 * or 0 when the line damaged the list (see rp4.c).
 */
int rp4_parse(const char *text, long *vals, int max);

#endif /* ICHIPD_RP4_H */
