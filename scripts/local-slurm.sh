#!/usr/bin/env bash
# local-slurm.sh - single-node SLURM cluster on localhost, for tests of profiles/slurm.
# Debian 12 (SLURM 22.05 from the Debian archive), run as root, no systemd needed. Loopback only.
# Adapted from the team's tools/local-slurm.sh; the pitfalls it encodes were measured there.
#
#   scripts/local-slurm.sh up       install (apt, if needed) and start munged, [mariadbd, slurmdbd,] slurmctld, slurmd
#   scripts/local-slurm.sh down     stop the daemons this script started (by PID) and wipe job state
#   scripts/local-slurm.sh status   show daemons and sinfo
#   scripts/local-slurm.sh check    smoke test: srun, sbatch, fake-GPU job (CUDA_VISIBLE_DEVICES)
#
# The node offers LOCAL_SLURM_GPUS fake GPUs as gres gpu:<type> (character devices aliasing
# /dev/null): jobs asking for --gpus=a100:1 are scheduled and get CUDA_VISIBLE_DEVICES, nothing more.
# Idempotent: `up` on a running cluster does nothing; `up` after a crash starts clean.
#
# Env knobs:
#   LOCAL_SLURM_BASE=${TMPDIR:-/tmp}/rualign-local-slurm   state, logs, pid files, fake GPU device nodes
#   LOCAL_SLURM_ACCOUNTING=0|1                1: MariaDB + slurmdbd so that sacct/sacctmgr work
#   LOCAL_SLURM_GPUS=2  LOCAL_SLURM_GPU_TYPE=a100  LOCAL_SLURM_PARTITION=debug
#   LOCAL_SLURM_ACCOUNT=testacct              (accounting mode) account created for root
#   LOCAL_SLURM_DB_PORT=3307                  (accounting mode) MariaDB TCP port on 127.0.0.1
#   LOCAL_SLURM_FORCE=1                       overwrite an /etc/slurm/slurm.conf not written by this script
#
# Config goes to /etc/slurm (the compiled-in default). Do NOT rely on SLURM_CONF:
# snakemake-executor-plugin-slurm-jobstep strips SLURM_* variables (incl. SLURM_CONF)
# before its inner srun, which then fails with "Could not establish a configuration source".
set -euo pipefail

BASE=${LOCAL_SLURM_BASE:-${TMPDIR:-/tmp}/rualign-local-slurm}
ACCT=${LOCAL_SLURM_ACCOUNTING:-$(cat "$BASE/accounting" 2>/dev/null || echo 0)} # default: as at the last `up`
NGPU=${LOCAL_SLURM_GPUS:-2}
GTYPE=${LOCAL_SLURM_GPU_TYPE:-a100}
PART=${LOCAL_SLURM_PARTITION:-debug}
ACCOUNT=${LOCAL_SLURM_ACCOUNT:-testacct}
DBPORT=${LOCAL_SLURM_DB_PORT:-3307}
CLUSTER=localcluster
ETC=/etc/slurm
RUN=$BASE/run
LOG=$BASE/log
MARK="# written by local-slurm.sh"

log() { echo "[local-slurm] $*" >&2; }

# alive PIDFILE COMM: pid file names a live process with that command name
alive() {
  local p
  p=$(cat "$1" 2>/dev/null) || return 1
  [[ -n $p && "$(ps -o comm= -p "$p" 2>/dev/null)" == "$2" ]]
}

# stop PIDFILE COMM: SIGTERM, wait up to 15 s, then SIGKILL; only that PID
stop() {
  if alive "$1" "$2"; then
    local p
    p=$(cat "$1")
    kill "$p" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then log "$2 ($p) ignored SIGTERM, killing"; kill -9 "$p" || true; fi
    log "stopped $2 ($p)"
  fi
  rm -f "$1"
}

# wait_for SECONDS CMD...: retry CMD every 0.2 s
wait_for() {
  local t=$1; shift
  for _ in $(seq $((t * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

node_idle() { [[ "$(sinfo -h -n localhost -o %T 2>/dev/null)" == idle ]]; }
munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

preflight() {
  [[ $(id -u) == 0 ]] || { log "needs root (it installs Debian packages and runs slurmd as root)"; exit 1; }
  command -v apt-get >/dev/null || command -v slurmctld >/dev/null ||
    { log "needs Debian/Ubuntu (apt-get) or SLURM already installed"; exit 1; }
}

# foreign_daemons: slurmctld/slurmd/slurmdbd processes that this script did not start (their
# pid is not in our pid files). Starting ours beside them would clash on ports 6817-6819.
foreign_daemons() {
  local c p ours
  for c in slurmctld slurmd slurmdbd; do
    ours=$(cat "$RUN/$c.pid" 2>/dev/null || true)
    for p in $(pgrep -x "$c" 2>/dev/null || true); do
      [[ $p == "$ours" ]] || echo "$c($p)"
    done
  done
}

ensure_pkgs() {
  local pkgs=(slurmctld slurmd slurm-client munge) missing=() p
  [[ $ACCT == 1 ]] && pkgs+=(slurmdbd mariadb-server mariadb-client)
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    local t0=$SECONDS
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    log "apt-get: $((SECONDS - t0)) s"
  fi
}

all_up() {
  alive "$RUN/slurmctld.pid" slurmctld && alive "$RUN/slurmd.pid" slurmd || return 1
  if [[ $ACCT == 1 ]]; then
    alive "$RUN/slurmdbd.pid" slurmdbd && alive "$BASE/db/mariadbd.pid" mariadbd || return 1
  fi
  munge_ok && node_idle
}

write_config() {
  if [[ -f $ETC/slurm.conf ]] && ! grep -qF "$MARK" "$ETC/slurm.conf" && [[ ${LOCAL_SLURM_FORCE:-0} != 1 ]]; then
    log "$ETC/slurm.conf exists and was not written by this script; set LOCAL_SLURM_FORCE=1 to overwrite"
    exit 1
  fi
  mkdir -p "$ETC"
  # Hardware line straight from slurmd -C, so the node never registers as INVALID.
  local hw realmem gres_node="" gres_types=""
  hw=$(slurmd -C | head -1 | sed -e 's/^NodeName=[^ ]* //' -e 's/ RealMemory=[0-9]*//')
  realmem=$(slurmd -C | head -1 | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
  realmem=$((realmem * 9 / 10))
  if ((NGPU > 0)); then
    # Fake GPUs: slurmd drops "file-less" GPUs and rejects regular files
    # ("is not a valid character or block device"), so make char devices (same major/minor as /dev/null).
    mkdir -p "$BASE/dev"
    local i files
    for ((i = 0; i < NGPU; i++)); do
      [[ -c $BASE/dev/nvidia$i ]] || { rm -f "$BASE/dev/nvidia$i"; mknod "$BASE/dev/nvidia$i" c 1 3; }
    done
    if ((NGPU == 1)); then files=$BASE/dev/nvidia0; else files="$BASE/dev/nvidia[0-$((NGPU - 1))]"; fi
    gres_node=" Gres=gpu:$GTYPE:$NGPU"
    gres_types="GresTypes=gpu"
    printf '%s\nAutoDetect=off\nNodeName=localhost Name=gpu Type=%s File=%s\n' "$MARK" "$GTYPE" "$files" >"$ETC/gres.conf"
  else
    rm -f "$ETC/gres.conf"
  fi
  local acct_lines
  if [[ $ACCT == 1 ]]; then
    acct_lines="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=6819
AccountingStorageTRES=gres/gpu,gres/gpu:$GTYPE"
  else
    acct_lines="AccountingStorageType=accounting_storage/none"
  fi
  cat >"$ETC/slurm.conf" <<EOF
$MARK
ClusterName=$CLUSTER
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$BASE/state/ctld
SlurmdSpoolDir=$BASE/state/d
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
$acct_lines
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
# squeue-based status polling in the snakemake slurm plugin needs finished jobs to stay
# visible: the plugin only uses squeue if MinJobAge >= 3 * init_seconds_before_status_checks.
# tests/slurm also reads finished jobs' records (scontrol show job) after runs of many minutes.
MinJobAge=3600
KillWait=5
Waittime=0
$gres_types
NodeName=localhost NodeAddr=127.0.0.1 $hw RealMemory=$realmem$gres_node State=UNKNOWN
PartitionName=$PART Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  # Empty cgroup.conf makes slurmd warn; none is needed with proctrack/linuxproc + task/none.
  if [[ -f $ETC/cgroup.conf ]] && [[ ! -s $ETC/cgroup.conf ]]; then rm -f "$ETC/cgroup.conf"; fi
}

start_munge() {
  if munge_ok; then return 0; fi # a munged already serves the default socket
  if [[ ! -s /etc/munge/munge.key ]]; then mungekey --create --force; fi
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
  install -d -o munge -g munge -m 755 /run/munge
  runuser -u munge -- /usr/sbin/munged
  cp /run/munge/munged.pid "$RUN/munged.pid"
  wait_for 10 munge_ok || { log "munged did not come up"; exit 1; }
  log "munged up (pid $(cat "$RUN/munged.pid"))"
}

start_db() {
  local db=$BASE/db sql
  install -d -o mysql -g mysql "$db"
  if [[ ! -d $db/data/mysql ]]; then
    mariadb-install-db --user=mysql --datadir="$db/data" --auth-root-authentication-method=socket \
      --skip-test-db >"$LOG/mariadb-install.log" 2>&1
  fi
  if ! alive "$db/mariadbd.pid" mariadbd; then
    setsid -f /usr/sbin/mariadbd --user=mysql --datadir="$db/data" --socket="$db/mysqld.sock" \
      --pid-file="$db/mariadbd.pid" --bind-address=127.0.0.1 --port="$DBPORT" \
      --log-error="$db/mariadbd.log" --innodb-buffer-pool-size=256M --innodb-lock-wait-timeout=900 \
      </dev/null >/dev/null 2>&1
    wait_for 60 mariadb -S "$db/mysqld.sock" -e 'select 1' || { log "mariadbd did not come up"; tail "$db/mariadbd.log"; exit 1; }
  fi
  sql="CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurmpw';
CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurmpw';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
FLUSH PRIVILEGES;"
  mariadb -S "$db/mysqld.sock" -e "$sql"
  log "mariadbd up (pid $(cat "$db/mariadbd.pid"), 127.0.0.1:$DBPORT)"
  cat >"$ETC/slurmdbd.conf" <<EOF
$MARK
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=6819
SlurmUser=root
LogFile=$LOG/slurmdbd.log
PidFile=$RUN/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DBPORT
StorageUser=slurm
StoragePass=slurmpw
StorageLoc=slurm_acct_db
EOF
  chmod 600 "$ETC/slurmdbd.conf"
  /usr/sbin/slurmdbd
  wait_for 30 sacctmgr -n show cluster || { log "slurmdbd did not come up"; tail "$LOG/slurmdbd.log"; exit 1; }
  log "slurmdbd up (pid $(cat "$RUN/slurmdbd.pid"))"
}

cmd_up() {
  local t0=$SECONDS foreign
  preflight
  mkdir -p "$RUN" "$LOG"
  ensure_pkgs
  if all_up; then log "already up"; return 0; fi
  cmd_down quiet # partial state from an earlier run: start clean
  foreign=$(foreign_daemons)
  if [[ -n $foreign ]]; then
    log "SLURM daemons not started by this script are running: $foreign; stop them first"
    exit 1
  fi
  mkdir -p "$RUN" "$LOG" "$BASE/state/ctld" "$BASE/state/d"
  echo "$ACCT" >"$BASE/accounting"
  write_config
  start_munge
  [[ $ACCT == 1 ]] && start_db
  /usr/sbin/slurmctld -c # -c: ignore any saved state (jobs, drained nodes)
  /usr/sbin/slurmd -N localhost # NodeName is "localhost", not the machine's hostname
  if ! wait_for 30 node_idle; then
    log "node not idle:"; sinfo -N -l || true; scontrol show node localhost | grep -i reason || true
    tail -n 20 "$LOG/slurmctld.log" "$LOG/slurmd.log" >&2 || true
    exit 1
  fi
  if [[ $ACCT == 1 ]]; then
    wait_for 30 bash -c "sacctmgr -n show cluster format=cluster%40 | grep -qw $CLUSTER" ||
      { log "cluster $CLUSTER did not register with slurmdbd"; exit 1; }
    sacctmgr -i add account "$ACCOUNT" >/dev/null 2>&1 || true
    sacctmgr -i add user root account="$ACCOUNT" >/dev/null 2>&1 || true
  fi
  log "up in $((SECONDS - t0)) s: slurmctld $(cat "$RUN/slurmctld.pid"), slurmd $(cat "$RUN/slurmd.pid")"
  sinfo -o '%P %N %T %c %m %G'
}

cmd_down() {
  stop "$RUN/slurmd.pid" slurmd
  stop "$RUN/slurmctld.pid" slurmctld
  stop "$RUN/slurmdbd.pid" slurmdbd
  stop "$BASE/db/mariadbd.pid" mariadbd
  stop "$RUN/munged.pid" munged # only if this script started it
  rm -rf "$BASE/state" "$BASE/db"
  [[ ${1:-} == quiet ]] || log "down"
}

cmd_status() {
  local f c
  for f in "$RUN/munged.pid:munged" "$BASE/db/mariadbd.pid:mariadbd" "$RUN/slurmdbd.pid:slurmdbd" \
           "$RUN/slurmctld.pid:slurmctld" "$RUN/slurmd.pid:slurmd"; do
    c=${f##*:}
    if alive "${f%:*}" "$c"; then echo "$c: running (pid $(cat "${f%:*}"))"; else echo "$c: not running"; fi
  done
  sinfo -o '%P %N %T %c %m %G' 2>&1 || true
}

cmd_check() {
  local out=$BASE/check j
  mkdir -p "$out"
  timeout 30 srun -t 1 hostname
  j=$(sbatch --parsable -t 1 -o "$out/%j.out" --wrap 'echo batch ok')
  wait_for 30 test -s "$out/$j.out"; cat "$out/$j.out"
  if ((NGPU > 0)); then
    timeout 30 srun -t 1 --gres=gpu:$GTYPE:1 bash -c 'echo "gres job: CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES"'
  fi
  if [[ $ACCT == 1 ]]; then sacct -X -j "$j" --format=JobID,State; fi
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  check) cmd_check ;;
  *) echo "usage: $0 up|down|status|check" >&2; exit 2 ;;
esac
