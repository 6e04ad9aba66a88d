#!/usr/bin/env bash
# A private single-node Slurm "cluster" on this machine, for tests/slurm.rs and for trying the job
# array by hand. Everything it writes (slurm.conf, the munge key and socket, spool, logs, pid files)
# is under DIR; nothing under /etc, and the daemons stop with `stop`:
#
#   scripts/slurm/local-cluster.sh start DIR   # prints `export SLURM_CONF=DIR/slurm.conf`
#   SLURM_CONF=DIR/slurm.conf sbatch ...       # or scripts/slurm/submit.sh
#   scripts/slurm/local-cluster.sh stop DIR    # stops munged, slurmctld and slurmd started in DIR
#
# Needs root and Debian's slurmctld, slurmd, slurm-client and munge, which this script does not
# install: scripts/setup-test-machine.sh does, on purpose. No systemd: the daemons run directly.
# Exit 3: this machine cannot have it (not root, packages missing); 1: it failed; 2: usage.
set -euo pipefail

usage() { sed -n '2,13p' "$0" >&2; exit 2; }
[ "$#" -eq 2 ] || usage
action=$1; dir=$2
case "$action" in start|stop) ;; *) usage ;; esac
mkdir -p "$dir"; dir=$(cd "$dir" && pwd)

stop_pid() {  # the process named in pid file $1, if alive: TERM, then KILL after 5 s
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 0
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
if [ "$action" = stop ]; then
  for daemon in slurmd slurmctld munged; do stop_pid "$dir/run/$daemon.pid"; done
  exit 0
fi

if [ "$(id -u)" != 0 ]; then echo "local-cluster.sh: needs root" >&2; exit 3; fi
for tool in sbatch squeue sinfo slurmctld slurmd munged munge; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
    echo "local-cluster.sh: no $tool here: install Slurm and munge with scripts/setup-test-machine.sh" >&2
    exit 3
  }
done

host=$(hostname -s)
cpus=$(nproc)
mkdir -p "$dir/run" "$dir/log" "$dir/spool/ctld" "$dir/spool/d" "$dir/munge"
socket="$dir/munge/munge.socket"

# munge: a key of its own and a socket in DIR (munged refuses root without --force).
[ -s "$dir/munge/munge.key" ] || dd if=/dev/urandom of="$dir/munge/munge.key" bs=1 count=1024 status=none
chmod 700 "$dir/munge" && chmod 400 "$dir/munge/munge.key"
/usr/sbin/munged --force --socket="$socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munge.seed"

# Ports of its own, so that a Slurm already on the machine is left alone.
cat > "$dir/slurm.conf" <<CONF
ClusterName=salvosim-local
SlurmctldHost=${host}
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=${socket}
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
StateSaveLocation=${dir}/spool/ctld
SlurmdSpoolDir=${dir}/spool/d
SlurmctldPidFile=${dir}/run/slurmctld.pid
SlurmdPidFile=${dir}/run/slurmd.pid
SlurmctldLogFile=${dir}/log/slurmctld.log
SlurmdLogFile=${dir}/log/slurmd.log
ReturnToService=2
MpiDefault=none
MessageTimeout=5
NodeName=${host} CPUs=${cpus} State=UNKNOWN
PartitionName=local Nodes=${host} Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
/usr/sbin/slurmctld -i
/usr/sbin/slurmd

# Wait for the node to come up idle (about 2 s here); each query is bounded.
for _ in $(seq 1 40); do
  state=$(timeout 3 sinfo -h -n "$host" -o %t 2>/dev/null || true)
  case "$state" in
    idle|mix|alloc) echo "export SLURM_CONF=$SLURM_CONF"; exit 0 ;;
  esac
  sleep 0.5
done
echo "local-cluster.sh: node ${host} did not come up (state: ${state:-none}); see $dir/log/" >&2
exit 1
