/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/* The poller: one AT+iRP4 for all sockets, then SRCV where data waits. */
#ifndef ICHIPD_POLLER_H
#define ICHIPD_POLLER_H

struct device;

void poller_kick(struct device *d);
/* A session's command was answered: a poll held back for its stream goes. */
void poller_answered(struct device *d);
void poller_stop(struct device *d);

#endif /* ICHIPD_POLLER_H */
