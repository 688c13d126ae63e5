"""Validates patchrig NWB files: the hdmf validator (schema YAML and the file's cached spec) plus
the project's own checks for what hdmf 3.5.1 does not see (reference nwb.md §8.3).

Usage: /usr/bin/python3 validate_nwb.py [--no-cached] SCHEMA_DIR FILE.nwb [FILE.nwb ...]
  --no-cached  skip the second hdmf run against the specification cached in the file (faster)
Prints one JSON object per file on stdout:
  {"file", "errors": [hdmf, YAML schema], "cached_errors": [hdmf, cached spec],
   "check_errors": [own checks], "sweeps": [sweep numbers under /acquisition],
   "ungrouped": {table: rows not yet grouped by the table above}, "open_error"}
Exit status 0 when every file is clean, 1 otherwise, 2 on bad usage or a missing schema.
"""
import json
import os
import re
import sys
import uuid

import h5py
import numpy as np
from hdmf.backends.hdf5 import HDF5IO
from hdmf.build import BuildManager, TypeMap
from hdmf.spec import DatasetSpec, GroupSpec, NamespaceCatalog, SpecNamespace
from hdmf.validate import ValidatorMap

# NWB spells the type keys neurodata_type_*, hdmf-common data_type_*: teach hdmf the NWB names.
RENAME = {'neurodata_type_def': 'data_type_def', 'neurodata_type_inc': 'data_type_inc'}


def _renamed(spec_dict):
    return {RENAME.get(k, k): v for k, v in spec_dict.items()}


class NWBDatasetSpec(DatasetSpec):
    @classmethod
    def type_key(cls):
        return 'neurodata_type'

    @classmethod
    def inc_key(cls):
        return 'neurodata_type_inc'

    @classmethod
    def def_key(cls):
        return 'neurodata_type_def'

    @classmethod
    def build_const_args(cls, spec_dict):
        return super().build_const_args(_renamed(spec_dict))


class NWBGroupSpec(GroupSpec):
    @classmethod
    def type_key(cls):
        return 'neurodata_type'

    @classmethod
    def inc_key(cls):
        return 'neurodata_type_inc'

    @classmethod
    def def_key(cls):
        return 'neurodata_type_def'

    @classmethod
    def dataset_spec_cls(cls):
        return NWBDatasetSpec

    @classmethod
    def build_const_args(cls, spec_dict):
        return super().build_const_args(_renamed(spec_dict))


class NWBNamespace(SpecNamespace):
    @classmethod
    def types_key(cls):
        return 'neurodata_types'


def new_catalog():
    return NamespaceCatalog(NWBGroupSpec, NWBDatasetSpec, NWBNamespace)


def hdmf_errors(catalog, path):
    io = HDF5IO(path, manager=BuildManager(TypeMap(catalog)), mode='r')
    try:
        builder = io.read_builder()
        errors = ValidatorMap(catalog.get_namespace('core')).validate(builder)
        return [str(e) for e in errors]
    finally:
        io.close()


# ---- own checks -------------------------------------------------------------------------------

RESPONSE_TYPES = {'VoltageClampSeries': 'amperes', 'CurrentClampSeries': 'volts', 'IZeroClampSeries': 'volts'}
STIMULUS_TYPES = {'VoltageClampStimulusSeries': 'volts', 'CurrentClampStimulusSeries': 'amperes'}
SERIES_NAME = re.compile(r'^sweep_(\d{5,})_hs(\d+)(_stim)?$')


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def link_path(group, name):
    link = group.get(name, getlink=True)
    return link.path if isinstance(link, h5py.SoftLink) else None


def is_uuid4(s):
    try:
        return uuid.UUID(text(s)).version == 4
    except ValueError:
        return False


class Checker:
    def __init__(self, f):
        self.f = f
        self.errors = []
        self.object_ids = {}
        self.ungrouped = {}

    def err(self, msg):
        self.errors.append(msg)

    def attr_dtype(self, obj, name, kind, where):
        if name not in obj.attrs:
            self.err(f'{where}: attribute {name} missing')
            return None
        v = obj.attrs[name]
        dt = np.asarray(v).dtype
        if dt != np.dtype(kind):
            self.err(f'{where}: attribute {name} is {dt}, expected {np.dtype(kind)}')
        return v

    def typed(self, obj, where):
        ot = obj.attrs.get('neurodata_type')
        if ot is None:
            return None
        oid = obj.attrs.get('object_id')
        if oid is None or not is_uuid4(oid):
            self.err(f'{where}: object_id missing or not a UUID4')
        else:
            prev = self.object_ids.get(text(oid))
            if prev is not None and prev != obj.name:
                self.err(f'{where}: object_id also used by {prev}')
            self.object_ids[text(oid)] = obj.name
        if 'namespace' not in obj.attrs:
            self.err(f'{where}: namespace missing')
        return text(ot)

    def walk_ids(self):
        def visit(name, obj):
            self.typed(obj, '/' + name)
        self.f.visititems(visit)

    def series(self, group_path, allowed, stim):
        sweeps = {}
        if group_path not in self.f:
            return sweeps
        for name, s in self.f[group_path].items():
            where = f'{group_path}/{name}'
            t = text(s.attrs.get('neurodata_type', ''))
            if t not in allowed:
                self.err(f'{where}: neurodata_type {t!r} not allowed here (allowed: {sorted(allowed)})')
                continue
            if text(s.attrs.get('namespace', '')) != 'core':
                self.err(f'{where}: namespace is not core')
            m = SERIES_NAME.match(name)
            if not m or bool(m.group(3)) != stim:
                self.err(f'{where}: unexpected name')
            d = s.get('data')
            if d is None or not isinstance(d, h5py.Dataset):
                self.err(f'{where}: data missing')
                continue
            if d.dtype != np.float32:
                self.err(f'{where}/data: dtype {d.dtype}, expected float32')
            if text(d.attrs.get('unit', '')) != allowed[t]:
                self.err(f'{where}/data: unit {d.attrs.get("unit")!r}, expected {allowed[t]!r}')
            for a in ('conversion', 'offset', 'resolution'):
                self.attr_dtype(d, a, 'float32', f'{where}/data')
            if float(d.attrs.get('conversion', 0)) != 1.0:
                self.err(f'{where}/data: conversion must be 1.0 for SI float data')
            st = s.get('starting_time')
            if st is None or st.dtype != np.float64 or st.shape != ():
                self.err(f'{where}: starting_time missing or not a float64 scalar')
            else:
                rate = self.attr_dtype(st, 'rate', 'float32', f'{where}/starting_time')
                if rate is not None and not float(rate) > 0:
                    self.err(f'{where}/starting_time: rate must be > 0')
                if text(st.attrs.get('unit', '')) != 'seconds':
                    self.err(f'{where}/starting_time: unit must be seconds')
            sn = self.attr_dtype(s, 'sweep_number', 'uint32', where)
            if 'stimulus_description' not in s.attrs:
                self.err(f'{where}: stimulus_description missing')
            g = s.get('gain')
            if g is None or g.dtype != np.float32:
                self.err(f'{where}: gain missing or not float32')
            link = s.get('electrode', getlink=True)
            if not isinstance(link, h5py.SoftLink):
                self.err(f'{where}: electrode is not a soft link')
            else:
                e = self.f.get(link.path)
                if e is None or text(e.attrs.get('neurodata_type', '')) != 'IntracellularElectrode':
                    self.err(f'{where}: electrode link {link.path} does not resolve to an IntracellularElectrode')
                else:
                    dl = e.get('device', getlink=True)
                    dev = self.f.get(dl.path) if isinstance(dl, h5py.SoftLink) else None
                    if dev is None or text(dev.attrs.get('neurodata_type', '')) != 'Device':
                        self.err(f'{link.path}: device does not resolve to a Device')
                    if m and e.name != f'/general/intracellular_ephys/electrode_{m.group(2)}':
                        self.err(f'{where}: electrode link points at {e.name}, not headstage {m.group(2)}')
            if m and sn is not None:
                if int(sn) != int(m.group(1)):
                    self.err(f'{where}: sweep_number {int(sn)} differs from its name')
                sweeps.setdefault(int(sn), []).append(name)
        return sweeps

    def table(self, path, dtr=None):
        """Checks a DynamicTable; dtr maps a region column to the path of the table it must point at."""
        t = self.f.get(path)
        if t is None:
            return 0
        n = len(t['id'])
        if n == 0:
            self.err(f'{path}: table has 0 rows')
        cols = [text(c) for c in t.attrs.get('colnames', [])]
        for c in cols:
            if c not in t:
                self.err(f'{path}: column {c} listed in colnames is missing')
                continue
            idx = t.get(c + '_index')
            if idx is not None:
                iv = idx[()]
                if idx.dtype.kind != 'u':
                    self.err(f'{path}/{c}_index: not unsigned ({idx.dtype})')
                if len(iv) != n:
                    self.err(f'{path}/{c}_index: {len(iv)} entries for {n} rows')
                if np.any(np.diff(iv.astype(np.int64)) < 0):
                    self.err(f'{path}/{c}_index: decreasing')
                if len(iv) and int(iv[-1]) != len(t[c]):
                    self.err(f'{path}/{c}_index: ends at {int(iv[-1])}, column has {len(t[c])}')
                tgt = idx.attrs.get('target')
                if tgt is None or self.f[tgt].name != t[c].name:
                    self.err(f'{path}/{c}_index: target does not point at {c}')
            elif len(t[c]) != n:
                self.err(f'{path}/{c}: {len(t[c])} values for {n} rows')
        for c, target in (dtr or {}).items():
            col = t.get(c)
            if col is None:
                self.err(f'{path}: region column {c} missing')
                continue
            ref = col.attrs.get('table')
            if ref is None or self.f[ref].name != target:
                self.err(f'{path}/{c}: @table does not point at {target}')
            rows = len(self.f[target]['id'])
            v = col[()]
            if len(v) and (v.min() < 0 or v.max() >= rows):
                self.err(f'{path}/{c}: row numbers outside 0..{rows - 1}')
        return n

    def tsref(self, col, where, allow_missing):
        rows = []
        for i, (start, count, ref) in enumerate(col[()]):
            if not ref:
                self.err(f'{where}[{i}]: null reference')
                rows.append(None)
                continue
            ts = self.f[ref]
            if start == -1 and count == -1 and allow_missing:
                rows.append((ts.name, -1, -1))
                continue
            n = len(ts['data'])
            if start < 0 or count < 0 or start + count > n:
                self.err(f'{where}[{i}]: idx_start {start} + count {count} outside {ts.name} ({n} samples)')
            rows.append((ts.name, int(start), int(count)))
        return rows

    def icephys(self, responses):
        base = '/general/intracellular_ephys'
        ir = f'{base}/intracellular_recordings'
        if ir not in self.f:
            if responses:
                self.err(f'{ir}: missing although the file holds sweeps')
            return
        g = self.f[ir]
        n = len(g['id'])
        for sub in ('electrodes', 'stimuli', 'responses'):
            if len(g[sub]['id']) != n:
                self.err(f'{ir}/{sub}: {len(g[sub]["id"])} rows, main table has {n}')
            self.table(f'{ir}/{sub}')
        self.table(ir)
        resp = self.tsref(g['responses/response'], f'{ir}/responses/response', False)
        stim = self.tsref(g['stimuli/stimulus'], f'{ir}/stimuli/stimulus', True)
        elec = g['electrodes/electrode'][()]
        for i in range(min(n, len(resp), len(stim), len(elec))):
            r, s = resp[i], stim[i]
            if r is None or s is None:
                continue
            rs = self.f[r[0]]
            if r[1] != 0 or r[2] != len(rs['data']):
                self.err(f'{ir} row {i}: response reference does not cover the whole series')
            e = self.f[elec[i]].name
            if link_path(rs, 'electrode') != e:
                self.err(f'{ir} row {i}: electrode {e} is not the electrode of {r[0]}')
            if s[1] == -1:
                if s[0] != r[0] or text(rs.attrs['neurodata_type']) != 'IZeroClampSeries':
                    self.err(f'{ir} row {i}: a missing stimulus is only allowed for an IZeroClampSeries')
                continue
            ss = self.f[s[0]]
            if not s[0].startswith('/stimulus/presentation/') or s[0] != r[0].replace('/acquisition/', '/stimulus/presentation/') + '_stim':
                self.err(f'{ir} row {i}: stimulus {s[0]} is not the pair of {r[0]}')
            if ss.attrs.get('sweep_number') != rs.attrs.get('sweep_number') or link_path(ss, 'electrode') != e:
                self.err(f'{ir} row {i}: stimulus and response differ in sweep or electrode')
        sim = f'{base}/simultaneous_recordings'
        seq = f'{base}/sequential_recordings'
        rep = f'{base}/repetitions'
        cond = f'{base}/experimental_conditions'
        self.table(sim, {'recordings': ir})
        self.table(seq, {'simultaneous_recordings': sim})
        self.table(rep, {'sequential_recordings': seq})
        self.table(cond, {'repetitions': rep})
        # Each simultaneous row holds the recordings of exactly one sweep.
        if sim in self.f:
            rec = self.f[f'{sim}/recordings'][()]
            idx = self.f[f'{sim}/recordings_index'][()]
            start = 0
            for k, end in enumerate(idx):
                sweeps = {int(self.f[resp[j][0]].attrs['sweep_number']) for j in rec[start:end] if j < len(resp) and resp[j]}
                if len(sweeps) != 1:
                    self.err(f'{sim} row {k}: recordings of sweeps {sorted(sweeps)}')
                start = end
        # Every row is grouped at most once on every level, the grouped rows being the oldest ones:
        # the writer adds a grouping row when its group is complete, so after a crash the newest
        # rows may be ungrouped (counted in `ungrouped`), never grouped twice or out of order.
        for path, col, target in ((sim, 'recordings', ir), (seq, 'simultaneous_recordings', sim),
                                  (rep, 'sequential_recordings', seq), (cond, 'repetitions', rep)):
            if target not in self.f:
                continue
            v = sorted(int(x) for x in self.f[f'{path}/{col}'][()]) if path in self.f else []
            if v != list(range(len(v))):
                self.err(f'{path}/{col}: rows of {target} referenced twice or out of order')
            self.ungrouped[target.rsplit('/', 1)[1]] = len(self.f[target]['id']) - len(v)

    def epochs(self):
        p = '/intervals/epochs'
        if p not in self.f:
            return
        self.table(p)
        self.tsref(self.f[f'{p}/timeseries'], f'{p}/timeseries', False)
        st, sp = self.f[f'{p}/start_time'][()], self.f[f'{p}/stop_time'][()]
        if np.any(sp < st):
            self.err(f'{p}: stop_time before start_time')

    def run(self):
        self.walk_ids()
        resp = self.series('/acquisition', RESPONSE_TYPES, False)
        stim = self.series('/stimulus/presentation', STIMULUS_TYPES, True)
        for sweep in stim:
            if sweep not in resp:
                self.err(f'sweep {sweep}: stimulus without response')
        self.icephys(resp)
        self.epochs()
        return sorted(resp)


def check(path):
    with h5py.File(path, 'r') as f:
        c = Checker(f)
        sweeps = c.run()
        return c.errors, sweeps, c.ungrouped


def main(argv):
    cached_too = '--no-cached' not in argv
    argv = [a for a in argv if a != '--no-cached']
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    schema = argv[1]
    common = os.path.join(schema, 'hdmf-common', 'namespace.yaml')
    core = os.path.join(schema, 'core', 'nwb.namespace.yaml')
    for p in (common, core):
        if not os.path.isfile(p):
            print(f'NWB schema not found: {p} (schema directory {schema})', file=sys.stderr)
            return 2
    catalog = new_catalog()
    catalog.load_namespaces(common)
    catalog.load_namespaces(core)
    bad = False
    for path in argv[2:]:
        out = {'file': path, 'errors': [], 'cached_errors': [], 'check_errors': [], 'sweeps': [], 'ungrouped': {}, 'open_error': None}
        try:
            out['errors'] = hdmf_errors(catalog, path)
            if cached_too:
                cached = new_catalog()
                HDF5IO.load_namespaces(cached, path=path)
                out['cached_errors'] = hdmf_errors(cached, path)
            out['check_errors'], out['sweeps'], out['ungrouped'] = check(path)
        except Exception as e:  # a file that does not open is a finding, not a crash of the script
            out['open_error'] = f'{type(e).__name__}: {e}'
        bad = bad or bool(out['errors'] or out['cached_errors'] or out['check_errors'] or out['open_error'])
        print(json.dumps(out), flush=True)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
