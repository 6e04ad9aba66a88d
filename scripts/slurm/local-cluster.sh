#!/usr/bin/env bash
# Starts a single-node Slurm "cluster" on this machine, for tests/slurm.rs (and for trying the job
# array by hand). Needs root and Debian's packages; idempotent: safe to run again.
# Exit 3: this machine cannot have it (not root, no apt, packages unavailable); 1: it failed.
# No systemd: munged, slurmctld and slurmd are started directly.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then echo "local-cluster.sh: needs root" >&2; exit 3; fi
if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || { echo "local-cluster.sh: no apt-get to install Slurm" >&2; exit 3; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || { echo "local-cluster.sh: apt-get update failed" >&2; exit 3; }
  apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null \
    || { echo "local-cluster.sh: cannot install Slurm from Debian's packages" >&2; exit 3; }
fi

host=$(hostname -s)
cpus=$(nproc)

# munge: a key, its run directory owned by munge, then the daemon.
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
fi
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
# A daemon counts as running only if its pid file names a live (not zombie) process.
running() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && grep -qs '^State:[[:space:]]*[^Z]' "/proc/$pid/status"
}
if ! munge -n >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged --force
fi

mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=salvosim-local
SlurmctldHost=${host}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
MpiDefault=none
MessageTimeout=5
NodeName=${host} CPUs=${cpus} State=UNKNOWN
PartitionName=local Nodes=${host} Default=YES MaxTime=INFINITE State=UP
CONF

running /run/slurmctld.pid || /usr/sbin/slurmctld
running /run/slurmd.pid || /usr/sbin/slurmd

# Wait for the node to come up idle (about 2 s here); each query is bounded.
for _ in $(seq 1 40); do
  state=$(timeout 3 sinfo -h -n "$host" -o %t 2>/dev/null || true)
  case "$state" in
    idle|mix|alloc) echo "local-cluster.sh: node ${host} is ${state}"; exit 0 ;;
  esac
  sleep 0.5
done
echo "local-cluster.sh: node ${host} did not come up (state: ${state:-none}); see /var/log/slurm/" >&2
exit 1
