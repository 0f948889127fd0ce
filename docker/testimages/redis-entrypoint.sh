#!/bin/sh
# redis-entrypoint.sh is the entrypoint of the local occbench-test/redis
# image (see docker/build-images.sh). Like the official redis image it
#
#   - runs redis-server when the first argument starts with "-" or ends in
#     ".conf" (testcontainers-go's redis module passes options such as
#     "--loglevel debug" or a config file path without the program name);
#   - drops root and runs the server as the redis user in /data;
#   - listens on all addresses with protected mode off, since the container
#     is the security boundary (the official image patches the defaults the
#     same way). Options given later on the command line win.
#
# Anything else is executed as is.
set -eu

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

if [ "$1" = redis-server ]; then
	shift
	if [ "$#" -gt 0 ] && [ "${1%.conf}" != "$1" ]; then
		conf="$1" # a config file must be the first argument
		shift
		set -- "$conf" --bind 0.0.0.0 --protected-mode no --dir /data "$@"
	else
		set -- --bind 0.0.0.0 --protected-mode no --dir /data "$@"
	fi
	if [ "$(id -u)" = 0 ]; then
		exec setpriv --reuid=redis --regid=redis --init-groups redis-server "$@"
	fi
	exec redis-server "$@"
fi

exec "$@"
