/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/* org.ichip.Error.* names (Documentation/dbus/errors.rst), mapped once. */
#ifndef ICHIPD_ERRORS_H
#define ICHIPD_ERRORS_H

#include <systemd/sd-bus.h>

#define ICHIP_ERR(name) "org.ichip.Error." name
#define ERR_NOT_FOUND		ICHIP_ERR("NotFound")
#define ERR_INVALID_ARGUMENT	ICHIP_ERR("InvalidArgument")
#define ERR_PERMISSION_DENIED	ICHIP_ERR("PermissionDenied")
#define ERR_BUSY		ICHIP_ERR("Busy")
#define ERR_TIMEOUT		ICHIP_ERR("Timeout")
#define ERR_DEVICE_ERROR	ICHIP_ERR("DeviceError")
#define ERR_DEVICE_LOST		ICHIP_ERR("DeviceLost")
#define ERR_NOT_SUPPORTED	ICHIP_ERR("NotSupported")
#define ERR_CERT_MISMATCH	ICHIP_ERR("CertificateMismatch")
#define ERR_NO_CA		ICHIP_ERR("NoCA")
#define ERR_TOO_MANY_SESSIONS	ICHIP_ERR("TooManySessions")
#define ERR_CONNECT_FAILED	ICHIP_ERR("ConnectFailed")
#define ERR_VERIFY_FAILED	ICHIP_ERR("VerifyFailed")
#define ERR_HANDSHAKE_FAILED	ICHIP_ERR("HandshakeFailed")
#define ERR_LEGACY_TLS_REFUSED	ICHIP_ERR("LegacyTLSRefused")

extern const sd_bus_error_map ichip_error_map[];

/* A failed transport reply as a D-Bus error: Timeout, DeviceLost, ... */
struct xport_reply;
int error_from_reply(sd_bus_error *error, const struct xport_reply *r,
		     const char *what);

#endif /* ICHIPD_ERRORS_H */
