// SPDX-License-Identifier: GPL-2.0-only OR MIT
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Checksum mode of the framing core (at-plus-i.md §3, AT+iCKSM=1): two
 * bytes after every SRCV payload and SSND stream, big-endian, the two's
 * complement of the byte sum mod 65536, so payload + checksum sums to 0.
 *
 * A dropped or flipped byte inside a payload is then caught here instead
 * of reaching TLS: the SRCV completes as ICHIP_STATUS_CHECKSUM with no
 * data, and the caller fetches it again (AT+i!SRCV).  A dropped byte
 * makes the framer count one byte of what follows as payload: the sum is
 * wrong all the same, and the CR LF left over is a blank line.
 */
#include "ichip_frame.h"
#include "ichip_frame_priv.h"

void ichip_frame_set_cksum(struct ichip_frame *f, bool on)
{
	f->cksum = on;
}

u16 ichip_cksum_add(u16 sum, const u8 *p, size_t n)
{
	unsigned int s = sum;
	size_t i;

	for (i = 0; i < n; i++)
		s += p[i];
	return (u16)s;
}

u16 ichip_cksum(const u8 *p, size_t n)
{
	return (u16)(0x10000u - ichip_cksum_add(0, p, n));
}

size_t ichip_cmd_wire_cksum(u8 *out, size_t cap, const char *cmd, size_t len,
			    const u8 *data, size_t data_len)
{
	size_t n;
	u16 sum;

	if (cap < ICHIP_WIRE_MAX_CKSUM(len, data_len))
		return 0;
	n = ichip_cmd_wire(out, cap, cmd, len, data, data_len);
	/* only an SSND's stream ends in ':' + payload rather than CR */
	if (!n || !ichip_cmd_is_ssnd(cmd, len))
		return n;
	sum = ichip_cksum(data, data_len);
	out[n++] = (u8)(sum >> 8);
	out[n++] = (u8)sum;
	return n;
}

size_t ichip_frame_cksum_feed(struct ichip_frame *f, const u8 *buf,
			      size_t len, struct ichip_event *ev)
{
	size_t n = 0;
	u16 want;

	while (n < len && f->cksum_pos < ICHIP_CKSUM_LEN)
		f->cksum_got[f->cksum_pos++] = buf[n++];
	if (f->cksum_pos < ICHIP_CKSUM_LEN)
		return n;

	/* the CR LF after it arrives as an empty line: skipped */
	f->rx = ICHIP_RX_LINE;
	if (f->expect != ICHIP_REPLY_DATA)
		return n;	/* abandoned (timed out) meanwhile */
	want = (u16)(f->cksum_got[0] << 8 | f->cksum_got[1]);
	if (f->payload_overflow) {
		ichip_frame_complete(f, ev, ICHIP_STATUS_OVERFLOW, 0);
	} else if ((u16)(f->rx_sum + want) != 0) {
		f->stats.cksum_errors++;
		ichip_frame_complete(f, ev, ICHIP_STATUS_CHECKSUM, 0);
	} else {
		ichip_frame_complete(f, ev, ICHIP_STATUS_OK, f->payload_len);
	}
	return n;
}
