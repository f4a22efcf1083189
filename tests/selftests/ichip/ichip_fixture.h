/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * The kselftest fixture most n_ichip tests share: one pty whose slave
 * carries n_ichip, and a netlink socket that found its device.  Include
 * after kselftest_harness.h and ichip_nl.h/ichip_peer.h.
 */
#ifndef ICHIP_FIXTURE_H
#define ICHIP_FIXTURE_H

FIXTURE(dev) {
	int master, slave;
	char name[32];
	struct inl nl;
	struct inl_dev d;
};

FIXTURE_SETUP(dev)
{
	ASSERT_EQ(0, open_pty(&self->master, &self->slave, self->name,
			      sizeof(self->name)));
	ASSERT_EQ(0, attach(self->slave));
	ASSERT_EQ(0, inl_open(&self->nl));
	ASSERT_EQ(0, inl_dev_find(&self->nl, self->name, &self->d));
}

FIXTURE_TEARDOWN(dev)
{
	inl_close(&self->nl);
	close(self->slave);
	close(self->master);
}

#endif
