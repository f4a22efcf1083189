/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * What ichip_frame.c needs from its environment, for the kernel and for
 * userspace: fixed-width types, bool, size_t, memcpy/memcmp, errno values,
 * ARRAY_SIZE.
 */
#ifndef ICHIP_FRAME_SHIM_H
#define ICHIP_FRAME_SHIM_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/errno.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint64_t u64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#endif /* ICHIP_FRAME_SHIM_H */
