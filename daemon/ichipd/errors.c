// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
#include <errno.h>
#include <string.h>

#include "errors.h"
#include "transport.h"

/* errno values for sd-bus callers that return -errno instead */
const sd_bus_error_map ichip_error_map[] = {
	SD_BUS_ERROR_MAP(ERR_NOT_FOUND, ENOENT),
	SD_BUS_ERROR_MAP(ERR_INVALID_ARGUMENT, EINVAL),
	SD_BUS_ERROR_MAP(ERR_PERMISSION_DENIED, EACCES),
	SD_BUS_ERROR_MAP(ERR_BUSY, EBUSY),
	SD_BUS_ERROR_MAP(ERR_TIMEOUT, ETIMEDOUT),
	SD_BUS_ERROR_MAP(ERR_DEVICE_ERROR, EIO),
	SD_BUS_ERROR_MAP(ERR_DEVICE_LOST, ENODEV),
	SD_BUS_ERROR_MAP(ERR_NOT_SUPPORTED, EOPNOTSUPP),
	SD_BUS_ERROR_MAP(ERR_TOO_MANY_SESSIONS, EMFILE),
	SD_BUS_ERROR_MAP(ERR_CONNECT_FAILED, ECONNREFUSED),
	SD_BUS_ERROR_MAP_END
};

int error_from_reply(sd_bus_error *error, const struct xport_reply *r,
		     const char *what)
{
	switch (r->status) {
	case ICHIP_STATUS_ERROR:
		return sd_bus_error_setf(error, ERR_DEVICE_ERROR,
					 "%s: module error %03u", what,
					 r->module_error);
	case ICHIP_STATUS_BUSY:
		return sd_bus_error_setf(error, ERR_BUSY, "%s: module busy",
					 what);
	case ICHIP_STATUS_OVERFLOW:
		return sd_bus_error_setf(error, ERR_DEVICE_ERROR,
					 "%s: answer too large", what);
	default:
		break;
	}
	switch (r->err) {
	case ETIMEDOUT:
	case EIO:
		return sd_bus_error_setf(error, ERR_TIMEOUT,
					 "%s: module did not answer", what);
	case EPIPE:
	case ENODEV:
		return sd_bus_error_setf(error, ERR_DEVICE_LOST,
					 "%s: device lost", what);
	case EBUSY:
		return sd_bus_error_setf(error, ERR_BUSY,
					 "%s: command queue full", what);
	default:
		return sd_bus_error_setf(error, ERR_DEVICE_ERROR, "%s: %s",
					 what, strerror(r->err));
	}
}
