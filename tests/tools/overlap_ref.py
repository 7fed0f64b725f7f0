#!/usr/bin/env python3
"""Independent reference for clusterscope's cluster_step_trace_time.csv.

Usage: python3 tests/tools/overlap_ref.py CLUSTER_DIR [--rank_list 0,1] [--step_id N] > expected.csv

Written from the documentation only (docs/analyses.md §0, §2.0, §2.b.1, §2.b.2, §2.c.2;
docs/input-formats.md §1, §2, §5; docs/outputs.md §2 "CSV bytes" and row order), not from
clusterscope's C code, so that end-to-end tests check clusterscope by a second path.
Standard library only.  Every time is kept as an exact integer (ns) until the final
ns / 1000 (Python true division of ints = the correctly rounded double, like C's
(double)ns / 1000.0 for |ns| < 2^53).

Per rank, per (device, step) (analyses.md §2.b.1):
  C = merge(compute ranges), M = merge(comm ranges)  (touching ranges merge)
  computing = |C|, communication = |M|, not_overlapped = |M \\ C|, overlapped = |M| - |M \\ C|
  free = span(C u M) - |C u M|, bubble = sum of hcom_receive* op durations (not merged),
  stage = span - bubble, excl_receive = not_overlapped - bubble,
  preparing = first_task - FWK_START (0 without compute ranges; NULL step: 0 without op rows).
Cluster (§2.b.2): rank rows, then stage rows (element-wise max) when pipeline stage groups
exist, DP/PP/TP indices from profiler_metadata.json distributed_args (Megatron partition).
Interpretation choices where the docs leave room are marked "choice:" below.
"""
import argparse
import bisect
import csv
import json
import os
import re
import sqlite3
import sys
import urllib.parse

INVALID_U32 = 4294967295
T_MIN = 946684800 * 10**9      # 2000-01-01T00:00:00Z in ns
T_MAX = 4102444800 * 10**9     # 2100-01-01T00:00:00Z in ns
INF = float('inf')

HEADER = ['Step', 'Type', 'Index', 'Computing', 'Communication(Not Overlapped)', 'Overlapped',
          'Communication', 'Free', 'Stage', 'Bubble',
          'Communication(Not Overlapped and Exclude Receive)', 'Preparing',
          'DP Index', 'PP Index', 'TP Index']

DB_RE = re.compile(r'^ascend_pytorch_profiler_(\d+)\.db$')
INT_TEXT_RE = re.compile(r'^\s*[+-]?\d+\s*$')


def warn(msg):
    print('overlap_ref: ' + msg, file=sys.stderr)


# ----------------------------------------------------------------------------- value checks

def as_int(v):
    """An integer value, or None for NULL / non-integer (input-formats.md §5).
    choice: integer-valued TEXT is accepted (cast), REAL only when integral."""
    t = type(v)
    if t is int:
        return v
    if t is str:
        if INT_TEXT_RE.match(v):
            return int(v)
        return None
    if t is float:
        if v == v and v not in (INF, -INF) and v.is_integer():
            return int(v)
        return None
    return None


def as_time(v):
    v = as_int(v)
    if v is None or v < T_MIN or v > T_MAX:
        return None
    return v


def as_range(s, e):
    s = as_time(s)
    e = as_time(e)
    if s is None or e is None or e < s:
        return None
    return s, e


# ----------------------------------------------------------------------------- discovery

def folder_timestamp(folder):
    parts = os.path.basename(os.path.normpath(folder)).split('_')
    if len(parts) < 3:
        return None
    f = parts[-3]
    return int(f) if f.isdigit() else None


def discover(root):
    """{rank: (folder, db_path)}; a rank folder holds ASCEND_PROFILER_OUTPUT/ascend_pytorch_profiler_{N}.db."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        if os.path.basename(dirpath) != 'ASCEND_PROFILER_OUTPUT':
            continue
        folder = os.path.dirname(dirpath)
        for name in sorted(filenames):
            m = DB_RE.match(name)
            if not m:
                continue
            found.setdefault(int(m.group(1)), []).append((folder, os.path.join(dirpath, name)))
    ranks = {}
    for rank, cands in found.items():
        if len(cands) == 1:
            ranks[rank] = cands[0]
            continue
        # keep the newest timestamp (third-from-last '_' field); ties / unparsable: greatest path
        def key(c):
            ts = folder_timestamp(c[0])
            return (ts is not None, ts if ts is not None else -1, c[0])
        best = max(cands, key=key)
        warn('rank %d claimed by %d folders; kept %s' % (rank, len(cands), best[0]))
        ranks[rank] = best
    return ranks


# ----------------------------------------------------------------------------- per-rank reading

def open_ro(path):
    uri = 'file:' + urllib.parse.quote(os.path.abspath(path)) + '?mode=ro'
    return sqlite3.connect(uri, uri=True)


def table_columns(con):
    cols = {}
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        cols[name] = {r[1] for r in con.execute('PRAGMA table_info("%s")' % name.replace('"', '""'))}
    return cols


def has(cols, table, *need):
    return table in cols and all(c in cols[table] for c in need)


def enum_id(con, cols, table, name, default):
    if has(cols, table, 'id', 'name'):
        row = con.execute('SELECT id FROM "%s" WHERE name = ?' % table, (name,)).fetchone()
        if row is not None and as_int(row[0]) is not None:
            return as_int(row[0])
    return default


def read_metadata_json(folder):
    path = os.path.join(folder, 'profiler_metadata.json')
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (OSError, ValueError) as err:
        warn('%s: %s' % (path, err))
        return {}
    return data if isinstance(data, dict) else {}


def step_sort_key(step_id):
    """Steps sort as numbers, the NULL step first."""
    if step_id is None:
        return (0, 0, '')
    v = as_int(step_id)
    if v is not None:
        return (1, v, step_id)
    return (2, 0, step_id)


def merge(ranges):
    """ranges sorted by start -> disjoint merged list [(s, e), ...] (touching ranges merge)."""
    out = []
    cs = ce = None
    for s, e in ranges:
        if ce is not None and s <= ce:
            if e > ce:
                ce = e
        else:
            if ce is not None:
                out.append((cs, ce))
            cs, ce = s, e
    if ce is not None:
        out.append((cs, ce))
    return out


def total(merged):
    return sum([e - s for s, e in merged])


def intersection(a, b):
    """|A n B| for two sorted disjoint interval lists (two pointers)."""
    i = j = 0
    na, nb = len(a), len(b)
    acc = 0
    if not na or not nb:
        return 0
    a0, a1 = a[0]
    b0, b1 = b[0]
    while True:
        lo = a0 if a0 > b0 else b0
        hi = a1 if a1 < b1 else b1
        if hi > lo:
            acc += hi - lo
        if a1 < b1:
            i += 1
            if i == na:
                return acc
            a0, a1 = a[i]
        else:
            j += 1
            if j == nb:
                return acc
            b0, b1 = b[j]


def step_values(comp, comm, fwk_start):
    """comp: [(s, e)] sorted by start; comm: [(s, e, is_receive)] sorted by start. ns integers."""
    cm = merge(comp)
    mm = merge((s, e) for s, e, _ in comm)
    computing = total(cm)
    communication = total(mm)
    both = intersection(cm, mm)
    not_overlapped = communication - both
    union = computing + communication - both
    if cm or mm:
        lo = min(x[0][0] for x in (cm, mm) if x)
        hi = max(x[-1][1] for x in (cm, mm) if x)   # merged: last end is the max
        span = hi - lo
    else:
        span = 0
    free = span - union
    bubble = sum(e - s for s, e, rcv in comm if rcv)
    stage = span - bubble
    overlapped = communication - not_overlapped
    excl = not_overlapped - bubble
    if not cm:
        preparing = 0                       # quirk: no compute range -> 0
    else:
        first = cm[0][0]
        if mm and mm[0][0] < first:
            first = mm[0][0]
        preparing = 0 if (first == 0 or fwk_start is None) else first - fwk_start
    return [computing, not_overlapped, overlapped, communication, free, stage, bubble, excl, preparing]


class RankData:
    def __init__(self):
        self.rows = []            # [(step_id, device, [9 ns ints])]
        self.groups = set()       # {(type, group string)}
        self.pgi = None           # parallel_group_info dict or None
        self.empty = False        # no TASK rows at all: the rank is skipped (input-formats.md §5)


def read_rank(rank, folder, db_path):
    rd = RankData()
    con = open_ro(db_path)
    try:
        cols = table_columns(con)
        node_type = enum_id(con, cols, 'ENUM_API_TYPE', 'node', 10000)
        op_type = enum_id(con, cols, 'ENUM_API_TYPE', 'op', 50001)

        # ---- parallel_group_info: META_DATA, else profiler_metadata.json of the folder
        if has(cols, 'META_DATA', 'name', 'value'):
            row = con.execute("SELECT value FROM META_DATA WHERE name = 'parallel_group_info'").fetchone()
            if row is not None and isinstance(row[0], str):
                try:
                    v = json.loads(row[0])
                    if isinstance(v, dict):
                        rd.pgi = v
                except ValueError:
                    warn('rank %d: META_DATA parallel_group_info is not JSON' % rank)
        if rd.pgi is None:
            md = read_metadata_json(folder)
            if md and isinstance(md.get('parallel_group_info'), dict):
                rd.pgi = md['parallel_group_info']

        # ---- host steps
        # choice: STEP_TIME rows with a bad id or bad times are dropped; if none is left the
        # ProfilerStep#N rows are used.  Every ProfilerStep#N row counts (nesting is not checked).
        host_steps = []     # (id text, start, end)
        if has(cols, 'STEP_TIME', 'id', 'startNs', 'endNs'):
            raw = con.execute('SELECT id, startNs, endNs FROM STEP_TIME').fetchall()
            for sid, s, e in raw:
                sid_i = as_int(sid)
                r = as_range(s, e)
                if sid_i is None or r is None:
                    continue
                host_steps.append((str(sid_i), r[0], r[1]))
        if not host_steps and has(cols, 'PYTORCH_API', 'startNs', 'endNs', 'name') and has(cols, 'STRING_IDS', 'id', 'value'):
            q = ("SELECT p.startNs, p.endNs, s.value FROM PYTORCH_API p JOIN STRING_IDS s ON s.id = p.name "
                 "WHERE s.value LIKE 'ProfilerStep#%'")
            for s, e, name in con.execute(q):
                if not isinstance(name, str) or not name.startswith('ProfilerStep#'):
                    continue
                r = as_range(s, e)
                if r is None:
                    continue
                host_steps.append((name.split('#')[-1], r[0], r[1]))
        host_steps.sort(key=lambda x: (x[1], x[2]))

        # Row checks (input-formats.md §5) are done in SQL for the big tables: an integer
        # (typeof 'integer': an INTEGER column stores integer text as an integer), join keys
        # not INVALID, times inside 2000..2100, end >= start.
        def key_ok(col):
            return "(typeof(%s) = 'integer' AND %s != %d)" % (col, col, INVALID_U32)

        def range_ok(s, e):
            return ("(typeof(%s) = 'integer' AND typeof(%s) = 'integer' AND %s BETWEEN %d AND %d "
                    "AND %s BETWEEN %d AND %d AND %s >= %s)" % (s, e, s, T_MIN, T_MAX, e, T_MIN, T_MAX, e, s))

        have_task = has(cols, 'TASK', 'startNs', 'endNs', 'deviceId', 'connectionId', 'globalTaskId')
        have_cann = has(cols, 'CANN_API', 'startNs', 'endNs', 'type', 'connectionId')
        # choice: "empty rank" = no TASK row at all; it is skipped for every output
        # (no rows, no groups, not counted for the DP/PP/TP map size).
        if 'TASK' not in cols or con.execute('SELECT 1 FROM TASK LIMIT 1').fetchone() is None:
            rd.empty = True
            return rd

        # ---- node launches (CANN_API type node) and the span of their tasks
        nodes = []          # (start, end, connectionId), sorted by start
        conn_span = {}      # node connectionId -> (min task start, max task end)
        if have_cann:
            if host_steps:
                nodes = con.execute(
                    'SELECT startNs, endNs, connectionId FROM CANN_API WHERE type = ? AND %s AND %s '
                    'ORDER BY startNs' % (key_ok('connectionId'), range_ok('startNs', 'endNs')),
                    (node_type,)).fetchall()
            if have_task:
                conn_span = {c: (lo, hi) for c, lo, hi in con.execute(
                    'SELECT connectionId, min(startNs), max(endNs) FROM TASK WHERE %s AND %s AND '
                    'connectionId IN (SELECT connectionId FROM CANN_API WHERE type = ?) '
                    'GROUP BY connectionId' % (key_ok('connectionId'), range_ok('startNs', 'endNs')),
                    (node_type,))}

        # ---- compute ranges per device: COMPUTE_TASK_INFO join TASK on globalTaskId
        comp = {}           # device -> [(s, e)] sorted by start
        if have_task:
            where = '%s AND %s' % (key_ok('t.deviceId'), range_ok('t.startNs', 't.endNs'))
            if has(cols, 'COMPUTE_TASK_INFO', 'globalTaskId'):
                q = ('SELECT t.deviceId, t.startNs, t.endNs FROM COMPUTE_TASK_INFO c JOIN TASK t '
                     'ON t.globalTaskId = c.globalTaskId WHERE %s AND %s ORDER BY t.deviceId, t.startNs'
                     % (key_ok('c.globalTaskId'), where))
            elif has(cols, 'STRING_IDS', 'id', 'value') and 'taskType' in cols['TASK']:
                warn('rank %d: no COMPUTE_TASK_INFO, compute = TASK rows with KERNEL_* taskType' % rank)
                q = ("SELECT t.deviceId, t.startNs, t.endNs FROM TASK t WHERE t.taskType IN "
                     "(SELECT id FROM STRING_IDS WHERE substr(value, 1, 7) = 'KERNEL_') AND %s "
                     "ORDER BY t.deviceId, t.startNs" % where)
            else:
                q = None
            if q is not None:
                cur_dev = None
                lst = None
                for dev, st, en in con.execute(q):
                    if dev != cur_dev:
                        lst = comp.setdefault(dev, [])
                        cur_dev = dev
                    lst.append((st, en))

        # ---- communication ops
        comm = {}           # device -> [(s, e, is_receive)]
        if has(cols, 'COMMUNICATION_OP', 'opName', 'startNs', 'endNs', 'connectionId', 'groupName'):
            names = {}
            if has(cols, 'STRING_IDS', 'id', 'value'):
                names = dict(con.execute(
                    'SELECT id, value FROM STRING_IDS WHERE id IN (SELECT opName FROM COMMUNICATION_OP '
                    'UNION SELECT groupName FROM COMMUNICATION_OP)').fetchall())
            # the groups seen by this rank (type by rule P2 on the op name); choice: every op row
            # whose opName and groupName resolve counts, whatever its times or tasks.
            for op, grp in con.execute('SELECT DISTINCT opName, groupName FROM COMMUNICATION_OP'):
                opname = names.get(op) if op is not None else None
                gname = names.get(grp) if grp is not None else None
                if isinstance(opname, str) and isinstance(gname, str):
                    low = opname.lower()
                    typ = 'p2p' if ('send' in low or 'receive' in low or 'recv' in low) else 'collective'
                    rd.groups.add((typ, gname))
            # an op counts when >= 1 TASK row has its connectionId and all those rows share one device
            conn_dev = {}
            if have_task:
                for c, dmin, dmax in con.execute(
                        'SELECT connectionId, min(deviceId), max(deviceId) FROM TASK WHERE %s AND %s AND '
                        'connectionId IN (SELECT connectionId FROM COMMUNICATION_OP) GROUP BY connectionId'
                        % (key_ok('connectionId'), key_ok('deviceId'))):
                    if dmin == dmax:
                        conn_dev[c] = dmin
            for op, st, en, c in con.execute(
                    'SELECT opName, startNs, endNs, connectionId FROM COMMUNICATION_OP WHERE %s AND %s'
                    % (key_ok('connectionId'), range_ok('startNs', 'endNs'))):
                dev = conn_dev.get(c)
                if dev is None:
                    continue        # no task with this connectionId, or tasks on several devices
                opname = names.get(op) if op is not None else None
                rcv = isinstance(opname, str) and opname.startswith('hcom_receive')
                comm.setdefault(dev, []).append((st, en, rcv))

        # ---- step windows (START, END, FWK_START)
        steps = []
        if host_steps:
            nodes_t = nodes
            node_starts = [n[0] for n in nodes_t]
            for sid, hs, he in host_steps:
                lo = None
                hi = None
                i = bisect.bisect_left(node_starts, hs)
                while i < len(nodes_t) and nodes_t[i][0] <= he:
                    ns, ne, c = nodes_t[i]
                    i += 1
                    if ne > he:
                        continue
                    sp = conn_span.get(c)
                    if sp is None:
                        continue
                    if lo is None or sp[0] < lo:
                        lo = sp[0]
                    if hi is None or sp[1] > hi:
                        hi = sp[1]
                start = lo if lo is not None else hs
                end = he if hi is None or hi < he else hi
                steps.append((sid, start, end, hs))
        else:
            start = min(lo for lo, _ in conn_span.values()) if conn_span else 0
            fwk = None
            if has(cols, 'PYTORCH_API', 'startNs', 'type'):
                for (s,) in con.execute('SELECT startNs FROM PYTORCH_API WHERE type = ?', (op_type,)):
                    s = as_time(s)
                    if s is not None and (fwk is None or s < fwk):
                        fwk = s
            steps.append((None, start, INF, fwk))
    finally:
        con.close()

    # ---- per (device, step)
    devices = sorted(set(comp) | set(comm))
    for dev in devices:
        cl = sorted(comp.get(dev, []))
        ml = sorted(comm.get(dev, []))
        cs = [x[0] for x in cl]
        ms = [x[0] for x in ml]
        for sid, start, end, fwk in steps:
            a = bisect.bisect_left(cs, start)
            b = len(cs) if end == INF else bisect.bisect_left(cs, end)
            c = bisect.bisect_left(ms, start)
            d = len(ms) if end == INF else bisect.bisect_left(ms, end)
            rd.rows.append((sid, dev, step_values(cl[a:b], ml[c:d], fwk)))
    return rd


# ----------------------------------------------------------------------------- cluster

def double_hash(s):
    h0 = h1 = 0
    for ch in s:
        cp = ord(ch)
        h0 = (h0 * 29 + cp) % 2**32
        h1 = (h1 * 131 + cp) % 2**32
    return (h0 << 32) | h1


def group_mapping(per_rank):
    """CommunicationGroupMapping rows built from the raw DBs (analyses.md §2.c.2), ordered by
    type, group_name (hash as text): [(type, rank_set tuple, pg_name)]."""
    observed = {}
    for rank, rd in per_rank.items():
        for key in rd.groups:
            observed.setdefault(key, set()).add(rank)
    info = {}
    for rank in sorted(per_rank):
        pgi = per_rank[rank].pgi or {}
        for gname, v in pgi.items():
            if gname in info or not isinstance(v, dict):
                continue
            ranks = []
            for x in v.get('global_ranks') or []:
                xi = as_int(x)
                if xi is not None:
                    ranks.append(xi)
            pg = v.get('group_name')
            info[gname] = (pg if isinstance(pg, str) else '', tuple(sorted(set(ranks))))
    rows = []
    for (typ, gname), ranks in observed.items():
        rank_set = tuple(sorted(ranks))
        pg, gr = info.get(gname, ('', ()))
        if gr and gr != rank_set:
            rank_set = gr
        rows.append((typ, str(double_hash(gname)), rank_set, pg))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [(t, rs, pg) for t, _, rs, pg in rows]


def stage_groups(mapping):
    """Stages per analyses.md §2.b.2 step 3: list of sorted rank tuples, ordered by min rank."""
    links = [set(rs) for t, rs, pg in mapping if t == 'p2p' and pg.lower().startswith('pp') and rs]
    if not links:
        return []
    links.sort(key=min)                       # stable
    unions = []
    while links:
        u = set(links[0])
        absorbed = [0]
        for i in range(1, len(links)):       # single pass per seed, not a transitive closure
            if links[i] & u:
                u |= links[i]
                absorbed.append(i)
        unions.append(u)
        links = [l for i, l in enumerate(links) if i not in absorbed]
    stages = []
    for t, rs, pg in mapping:
        if t != 'collective' or not rs:
            continue
        g = set(rs)
        if any(len(g & u) > 1 for u in unions):
            continue
        merged = set(g)
        keep = []
        for st in stages:
            if st & g:
                merged |= st
            else:
                keep.append(st)
        keep.append(merged)
        stages = keep
    return sorted((tuple(sorted(s)) for s in stages), key=lambda t: t[0])


def parallel_map(dist):
    """Megatron partition (analyses.md §2.b.2 step 5): {rank: (dp, pp, tp)}; raises on invalid args."""
    names = ['world_size', 'tensor_model_parallel_size', 'pipeline_model_parallel_size',
             'data_parallel_size', 'context_parallel_size', 'expert_model_parallel_size']
    vals = {}
    for n in names:
        v = dist.get(n, 1)
        if type(v) is not int:
            raise ValueError('%s is not an integer' % n)
        vals[n] = v
    world = vals['world_size']
    tp = vals['tensor_model_parallel_size'] or 1
    pp = vals['pipeline_model_parallel_size'] or 1
    dp = vals['data_parallel_size'] or 1
    cp = vals['context_parallel_size']
    ep = vals['expert_model_parallel_size'] or 1
    if dp % ep != 0 or (dp * cp) % ep != 0:
        raise ValueError('dp / ep mismatch')
    if world != tp * pp * dp:
        raise ValueError('world_size != tp * pp * dp')
    per_stage = world // pp
    dp_groups = []
    for i in range(pp):
        begin = i * per_stage
        for k in range(tp * cp):
            dp_groups.append(list(range(begin + k, begin + per_stage, tp * cp)))
    result = {}
    for j in range(dp):
        mp = [g[j] for g in dp_groups]       # IndexError on unusable args (cp > 1)
        for pp_idx, a in enumerate(range(0, len(mp), tp)):
            for tp_idx, r in enumerate(mp[a:a + tp]):
                result[r] = (j, pp_idx, tp_idx)
    return result, world


def fmt(ns):
    return ns / 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('cluster_dir')
    ap.add_argument('--rank_list', default=None, help='comma list of ranks to analyse')
    ap.add_argument('--step_id', type=int, default=-1, help='one step (negative: all)')
    args = ap.parse_args()

    if not os.path.isdir(args.cluster_dir):
        warn('%s is not a folder' % args.cluster_dir)
        return 2
    ranks = discover(args.cluster_dir)
    if args.rank_list:
        want = {int(x) for x in args.rank_list.split(',') if x.strip()}
        ranks = {r: v for r, v in ranks.items() if r in want}
    if not ranks:
        warn('no rank folder found')
        return 2

    per_rank = {}
    for rank in sorted(ranks):
        folder, db = ranks[rank]
        try:
            rd = read_rank(rank, folder, db)
        except sqlite3.Error as err:
            warn('rank %d: %s: %s (skipped)' % (rank, db, err))
            continue
        if rd.empty:
            warn('rank %d: no TASK rows (empty rank, skipped)' % rank)
        else:
            per_rank[rank] = rd

    # rank rows: (rank, step NULL first / as number, device)
    rank_rows = []
    for rank, rd in per_rank.items():
        for sid, dev, vals in rd.rows:
            if args.step_id >= 0 and as_int(sid) != args.step_id:
                continue
            rank_rows.append((rank, sid, dev, vals))
    rank_rows.sort(key=lambda r: (r[0], step_sort_key(r[1]), r[2]))

    # DP/PP/TP: distributed_args of the lowest rank whose profiler_metadata.json has them
    # choice: like the reference's loop, a metadata file without distributed_args is passed over.
    pmap = None
    analysed = {r for r, rd in per_rank.items() if rd.rows}
    for rank in sorted(per_rank):
        md = read_metadata_json(ranks[rank][0])
        if md is None:
            continue
        dist = md.get('distributed_args')
        if not dist:
            continue
        if isinstance(dist, dict):
            try:
                m, world = parallel_map(dist)
                if world < len(analysed):
                    warn('distributed_args world_size %d < %d ranks: no DP/PP/TP' % (world, len(analysed)))
                else:
                    pmap = m
            except (ValueError, IndexError, ZeroDivisionError) as err:
                warn('distributed_args unusable: %s' % err)
        break

    out = csv.writer(sys.stdout, lineterminator='\n')
    out.writerow(HEADER)
    for rank, sid, dev, vals in rank_rows:
        idx = pmap.get(rank) if pmap is not None else None
        tail = list(idx) if idx is not None else ['', '', '']
        out.writerow(['' if sid is None else sid, 'rank', rank] + [fmt(v) for v in vals] + tail)

    stages = stage_groups(group_mapping(per_rank))
    if stages:
        groups = {}
        for rank, sid, dev, vals in rank_rows:
            st = ()
            for s in stages:
                if rank in s:
                    st = s
                    break
            g = groups.setdefault((sid, st), None)
            groups[(sid, st)] = list(vals) if g is None else [max(a, b) for a, b in zip(g, vals)]
        keys = sorted(groups, key=lambda k: (k[1] == (), k[1][0] if k[1] else 0, step_sort_key(k[0])))
        for sid, st in keys:
            out.writerow(['' if sid is None else sid, 'stage', str(st)]
                         + [fmt(v) for v in groups[(sid, st)]] + ['NA', 'NA', 'NA'])
    return 0


if __name__ == '__main__':
    sys.exit(main())
