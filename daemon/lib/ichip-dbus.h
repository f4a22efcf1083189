/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * Every name of the org.ichip D-Bus API that C code spells: the bus
 * name, object paths, interfaces, errors and polkit actions.  ichipd,
 * its certificate library and ichipctl include this one header; the
 * interface files (dbus/org.ichip.*.xml), the error page
 * (Documentation/dbus/errors.rst) and the polkit policy
 * (dbus/org.ichip.policy) are checked against it by
 * tools/check-dbus-names.py, and the daemon's vtables against the XML by
 * tools/check-dbus-files.sh.
 */
#ifndef ICHIP_DBUS_H
#define ICHIP_DBUS_H

#define ICHIP_BUS_NAME		"org.ichip"
#define ICHIP_MANAGER_PATH	"/org/ichip"
/* devices are ICHIP_DEVICE_PATH_PREFIX "<N>", sessions "<dev>/session<M>" */
#define ICHIP_DEVICE_PATH_PREFIX "/org/ichip/dev"

#define ICHIP_MANAGER_IFACE	"org.ichip.Manager1"
#define ICHIP_DEVICE_IFACE	"org.ichip.Device1"
#define ICHIP_SESSION_IFACE	"org.ichip.Session1"

/* errors: Documentation/dbus/errors.rst */
#define ICHIP_ERROR_PREFIX	"org.ichip.Error."
#define ICHIP_ERROR(name)	ICHIP_ERROR_PREFIX name
#define ERR_NOT_FOUND		ICHIP_ERROR("NotFound")
#define ERR_INVALID_ARGUMENT	ICHIP_ERROR("InvalidArgument")
#define ERR_PERMISSION_DENIED	ICHIP_ERROR("PermissionDenied")
#define ERR_BUSY		ICHIP_ERROR("Busy")
#define ERR_NOT_SUPPORTED	ICHIP_ERROR("NotSupported")
#define ERR_TIMEOUT		ICHIP_ERROR("Timeout")
#define ERR_DEVICE_ERROR	ICHIP_ERROR("DeviceError")
#define ERR_DEVICE_LOST		ICHIP_ERROR("DeviceLost")
#define ERR_INVALID_CERT	ICHIP_ERROR("InvalidCertificate")
#define ERR_CERT_EXPIRED	ICHIP_ERROR("CertificateExpired")
#define ERR_WEAK_KEY		ICHIP_ERROR("WeakKey")
#define ERR_NOT_CA		ICHIP_ERROR("NotCA")
#define ERR_CERT_TOO_LARGE	ICHIP_ERROR("CertificateTooLarge")
#define ERR_UNSUPPORTED_KEY	ICHIP_ERROR("UnsupportedKeyType")
#define ERR_CERT_MISMATCH	ICHIP_ERROR("CertificateMismatch")
#define ERR_NO_CA		ICHIP_ERROR("NoCA")
#define ERR_TOO_MANY_SESSIONS	ICHIP_ERROR("TooManySessions")
#define ERR_CONNECT_FAILED	ICHIP_ERROR("ConnectFailed")
#define ERR_VERIFY_FAILED	ICHIP_ERROR("VerifyFailed")
#define ERR_HANDSHAKE_FAILED	ICHIP_ERROR("HandshakeFailed")
#define ERR_LEGACY_TLS_REFUSED	ICHIP_ERROR("LegacyTLSRefused")

/* polkit actions: dbus/org.ichip.policy */
#define ICHIP_ACTION_MANAGE_DEVICES	"org.ichip.manage-devices"
#define ICHIP_ACTION_SET_CA		"org.ichip.set-ca"
#define ICHIP_ACTION_OPEN_SESSION	"org.ichip.open-session"
#define ICHIP_ACTION_LEGACY_TLS		"org.ichip.legacy-tls"
#define ICHIP_ACTION_RAW_COMMAND	"org.ichip.raw-command"

#endif /* ICHIP_DBUS_H */
