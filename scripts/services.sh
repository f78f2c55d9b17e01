#!/usr/bin/env bash
# Make sure PostgreSQL, RabbitMQ and Redis answer on 127.0.0.1 (starts the machine's own services if they are down).
set -uo pipefail
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { for _ in $(seq 1 60); do up "$1" && return 0; sleep 1; done; return 1; }
if ! up 5432 && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if ! up 6379 && command -v redis-server >/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
fi
if ! up 5672 && command -v rabbitmq-server >/dev/null; then
  rabbitmq-server -detached || true
fi
wait_for 5432 || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
wait_for 5672 || { echo "RabbitMQ is not reachable on 127.0.0.1:5672" >&2; exit 1; }
wait_for 6379 || { echo "Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
