#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# install-if-absent.sh SRC DEST: meson install script.  Installs SRC as
# ${DESTDIR}DEST (mode 0644) unless that file exists: a reinstall must not
# overwrite the administrator's configuration.
set -eu
dest="${DESTDIR:-}$2"
if [ -e "$dest" ]; then
	echo "Keeping existing $dest"
else
	echo "Installing $1 to $dest"
	install -D -m 0644 "$1" "$dest"
fi
