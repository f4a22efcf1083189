/* SPDX-License-Identifier: ((GPL-2.0-only WITH Linux-syscall-note) OR MIT) */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * ichip: generic netlink ABI of the n_ichip line discipline, which frames
 * the AT+i protocol of Connect One iChip / W24 modules on a serial line.
 *
 * Described by Documentation/netlink/specs/ichip.yaml; tools/check-uapi.py
 * fails the build when the two disagree.  The ABI grows only by appending.
 */
#ifndef _UAPI_LINUX_ICHIP_H
#define _UAPI_LINUX_ICHIP_H

#include <linux/types.h>

#define ICHIP_FAMILY_NAME	"ichip"
#define ICHIP_FAMILY_VERSION	1

#define ICHIP_MCGRP_EVENTS	"events"
#define ICHIP_MCGRP_MONITOR	"monitor"

/* Longest command text (ICHIP_A_CMD, without the trailing CR). */
#define ICHIP_CMD_LEN_MAX	2048
/* Largest binary payload in one EXEC (SSND) or RESULT (SRCV). */
#define ICHIP_DATA_LEN_MAX	32768
/* Largest response text of one command. */
#define ICHIP_TEXT_LEN_MAX	8192
/* Per-command timeout bounds (ICHIP_A_TIMEOUT_MS). */
#define ICHIP_TIMEOUT_MIN_MS	10
#define ICHIP_TIMEOUT_MAX_MS	600000

enum ichip_dev_state {
	ICHIP_DEV_STATE_IDLE = 1,	/* no command on the wire */
	ICHIP_DEV_STATE_BUSY,		/* a command is on the wire */
	ICHIP_DEV_STATE_RESYNC,		/* re-synchronising after a timeout */
	ICHIP_DEV_STATE_UNRESPONSIVE,	/* resync failed; next EXEC retries */
	ICHIP_DEV_STATE_HUNGUP,		/* tty hung up; EXEC fails */
};

/* Outcome of one EXEC, carried by RESULT in ICHIP_A_STATUS. */
enum ichip_status {
	ICHIP_STATUS_OK = 1,		/* I/OK or the expected value */
	ICHIP_STATUS_ERROR,		/* I/ERROR; code in ICHIP_A_MODULE_ERROR */
	ICHIP_STATUS_BUSY,		/* I/BUSY: module refused the command */
	ICHIP_STATUS_FAILED,		/* no module answer; ICHIP_A_ERRNO */
	ICHIP_STATUS_OVERFLOW,		/* answer exceeded the bounds, dropped */
	ICHIP_STATUS_CHECKSUM,		/* checksum mode: payload kept corrupt */
};

/* Why a DEV_STATE event was sent (ICHIP_A_EVENT). */
enum ichip_dev_event {
	ICHIP_DEV_EVENT_STATE = 1,	/* state change, see ICHIP_A_DEV_STATE */
	ICHIP_DEV_EVENT_UNSOLICITED,	/* module line with no command: TEXT */
	ICHIP_DEV_EVENT_RESYNC_OK,	/* resync after a timeout succeeded */
	ICHIP_DEV_EVENT_RESYNC_FAILED,	/* resync gave up; queue was failed */
};

enum ichip_mon_dir {
	ICHIP_MON_DIR_RX = 1,		/* module -> host */
	ICHIP_MON_DIR_TX,		/* host -> module */
};

enum {
	ICHIP_A_UNSPEC,
	ICHIP_A_DEV_INDEX,		/* u32 */
	ICHIP_A_DEV_NAME,		/* string: tty name, e.g. "ttyUSB0" */
	ICHIP_A_DEV_STATE,		/* u32: enum ichip_dev_state */
	ICHIP_A_UNUSED,			/* never sent; the version is the family's */
	ICHIP_A_QUEUE_DEPTH,		/* u32: commands queued or on the wire */
	ICHIP_A_QUEUE_MAX,		/* u32 */
	ICHIP_A_STATS,			/* nest: ICHIP_A_STATS_* */
	ICHIP_A_CMD,			/* NUL-terminated string: AT+i command */
	ICHIP_A_DATA,			/* binary: SSND payload / SRCV payload */
	ICHIP_A_TIMEOUT_MS,		/* u32 */
	ICHIP_A_COOKIE,			/* u64: names one EXEC */
	ICHIP_A_STATUS,			/* u32: enum ichip_status */
	ICHIP_A_ERRNO,			/* u32: positive errno when FAILED */
	ICHIP_A_MODULE_ERROR,		/* u32: nnn of I/ERROR (nnn), 0 if none */
	ICHIP_A_TEXT,			/* string: response text, lines by \n */
	ICHIP_A_EVENT,			/* u32: enum ichip_dev_event */
	ICHIP_A_MON_DIR,		/* u32: enum ichip_mon_dir */
	ICHIP_A_MON_TIME_NS,		/* u64: CLOCK_MONOTONIC */
	ICHIP_A_PAD,
	ICHIP_A_CKSUM,			/* flag: EXEC in checksum mode */

	__ICHIP_A_MAX,
	ICHIP_A_MAX = __ICHIP_A_MAX - 1
};

enum {
	ICHIP_A_STATS_UNSPEC,
	ICHIP_A_STATS_TX_BYTES,		/* u64 */
	ICHIP_A_STATS_RX_BYTES,		/* u64 */
	ICHIP_A_STATS_COMMANDS,		/* u64: results delivered */
	ICHIP_A_STATS_MODULE_ERRORS,	/* u64: I/ERROR and I/BUSY answers */
	ICHIP_A_STATS_TIMEOUTS,		/* u64 */
	ICHIP_A_STATS_RESYNCS,		/* u64: resync attempts */
	ICHIP_A_STATS_OVERRUNS,		/* u64: lines/payloads over the bounds */
	ICHIP_A_STATS_NOISE,		/* u64: lines that fit nothing */
	ICHIP_A_STATS_UNSOLICITED,	/* u64 */
	ICHIP_A_STATS_RESULTS_LOST,	/* u64: RESULT not deliverable */
	ICHIP_A_STATS_PAD,
	ICHIP_A_STATS_CKSUM_ERRORS,	/* u64: bad SRCV sums, SSND 228s */
	ICHIP_A_STATS_CKSUM_RETRIES,	/* u64: commands sent again for them */

	__ICHIP_A_STATS_MAX,
	ICHIP_A_STATS_MAX = __ICHIP_A_STATS_MAX - 1
};

enum {
	ICHIP_CMD_UNSPEC,
	ICHIP_CMD_DEV_GET,		/* do + dump */
	ICHIP_CMD_EXEC,			/* do: queue a command, reply has COOKIE */
	ICHIP_CMD_RESULT,		/* unicast to the EXEC sender */
	ICHIP_CMD_DEV_NEW,		/* events: ldisc attached */
	ICHIP_CMD_DEV_DEL,		/* events: ldisc detached */
	ICHIP_CMD_DEV_STATE,		/* events: see ICHIP_A_EVENT */
	ICHIP_CMD_MONITOR,		/* monitor: copy of line traffic */

	__ICHIP_CMD_MAX,
	ICHIP_CMD_MAX = __ICHIP_CMD_MAX - 1
};

#endif /* _UAPI_LINUX_ICHIP_H */
