// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Authorization through polkit's CheckAuthorization, asynchronously, for
 * the caller of a D-Bus method.  --test-allow-all (tests without polkitd)
 * allows everything, loudly, and only when asked for explicitly.
 */
#include <errno.h>
#include <stdlib.h>

#include "errors.h"
#include "log.h"
#include "manager.h"
#include "polkit.h"
#include "util.h"

struct polkit_call {
	sd_bus_message *m;
	polkit_done_fn done;
	void *userdata;
};

int polkit_reply_denied(sd_bus_message *m, const sd_bus_error *perr,
			const char *why)
{
	if (perr && sd_bus_error_has_name(perr,
			SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED))
		return sd_bus_reply_method_error(m, perr);
	return sd_bus_reply_method_errorf(m, ERR_PERMISSION_DENIED, "%s", why);
}

static int on_reply(sd_bus_message *reply, void *userdata,
		    sd_bus_error *ret_error)
{
	_cleanup_(sd_bus_error_free) sd_bus_error need = SD_BUS_ERROR_NULL;
	struct polkit_call *c = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(reply);
	int authorized = 0, challenge = 0, r;

	if (e) {
		log_warning("polkit: %s", e->message);
		c->done(c->userdata, c->m, 0, e);
		goto out;
	}
	r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
	if (r >= 0)
		r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
	if (r < 0)
		authorized = challenge = 0;
	/*
	 * Not authorized, but polkit could authenticate the caller: say so
	 * when the caller did not allow interaction (it may retry with it).
	 */
	if (!authorized && challenge &&
	    !sd_bus_message_get_allow_interactive_authorization(c->m))
		sd_bus_error_set_const(&need,
			SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
			"authentication is required: call again with interactive authorization allowed");
	c->done(c->userdata, c->m, !!authorized,
		sd_bus_error_is_set(&need) ? &need : NULL);
out:
	sd_bus_message_unref(c->m);
	free(c);
	return 0;
}

int polkit_check(struct manager *mgr, sd_bus_message *m, const char *action,
		 polkit_done_fn done, void *userdata)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *req = NULL;
	struct polkit_call *c;
	const char *sender = sd_bus_message_get_sender(m);
	int r;

	if (mgr->test_allow_all) {
		done(userdata, m, 1, NULL);
		return 0;
	}
	if (!sender)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	r = sd_bus_message_new_method_call(mgr->bus, &req,
			"org.freedesktop.PolicyKit1",
			"/org/freedesktop/PolicyKit1/Authority",
			"org.freedesktop.PolicyKit1.Authority",
			"CheckAuthorization");
	if (r >= 0)
		r = sd_bus_message_append(req, "(sa{sv})sa{ss}us",
					  "system-bus-name", 1, "name", "s",
					  sender, action, 0,
					  /* AllowUserInteraction only if the caller asked */
					  sd_bus_message_get_allow_interactive_authorization(m) ?
					  1 : 0, "");
	if (r >= 0) {
		c->m = sd_bus_message_ref(m);
		c->done = done;
		c->userdata = userdata;
		/* interactive authentication may take a while */
		r = sd_bus_call_async(mgr->bus, NULL, req, on_reply, c,
				      120 * 1000000ULL);
	}
	if (r < 0) {
		if (c->m)
			sd_bus_message_unref(c->m);
		free(c);
	}
	return r;
}
