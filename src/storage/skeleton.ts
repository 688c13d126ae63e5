import type { H5Out } from './h5-file.ts';
import type { NwbWriterSetup } from './metadata.ts';
import { electrodePath } from './series.ts';

/** NWB core version the writer produces. */
export const NWB_VERSION = '2.7.0';

/**
 * Everything of the file that exists before the first sweep (nwb.md §2): root attributes and
 * datasets, the required groups, /general with subject, devices and one IntracellularElectrode per
 * headstage. Optional groups are created only with content.
 */
export function writeSkeleton(out: H5Out, setup: NwbWriterSetup, identifier: string, sourceScript: string): void {
  const m = setup.metadata;
  out.typeAttrs('/', 'NWBFile', 'core');
  out.text('/', 'nwb_version', NWB_VERSION);
  out.textData('/file_create_date', [new Date().toISOString()]);
  out.textData('/identifier', identifier);
  out.textData('/session_description', m.sessionDescription);
  out.textData('/session_start_time', m.sessionStartTime);
  out.textData('/timestamps_reference_time', m.sessionStartTime);
  for (const g of ['/acquisition', '/analysis', '/processing', '/stimulus', '/stimulus/presentation', '/stimulus/templates', '/general']) out.group(g);

  const text = (name: string, v: string | string[] | undefined) => {
    if (v !== undefined && (typeof v === 'string' || v.length > 0)) out.textData(`/general/${name}`, v);
  };
  text('experimenter', m.experimenter);
  text('institution', m.institution);
  text('lab', m.lab);
  text('experiment_description', m.experimentDescription);
  text('session_id', m.sessionId);
  text('keywords', m.keywords);
  text('notes', m.notes);
  text('data_collection', m.dataCollection);
  text('stimulus', m.stimulus);
  if (m.slice) text('slices', JSON.stringify(m.slice));
  out.textData('/general/source_script', sourceScript);
  out.text('/general/source_script', 'file_name', 'patchrig');

  const s = m.subject;
  out.group('/general/subject', 'Subject');
  const subj = (name: string, v: string | undefined) => {
    if (v !== undefined) out.textData(`/general/subject/${name}`, v);
  };
  subj('subject_id', s.subjectId);
  subj('species', s.species);
  subj('age', s.age);
  if (s.age !== undefined) out.text('/general/subject/age', 'reference', s.ageReference ?? 'birth');
  subj('sex', s.sex);
  subj('genotype', s.genotype);
  subj('strain', s.strain);
  subj('description', s.description);
  // NWB's weight is free text; we keep SI kilograms with the unit spelled out.
  subj('weight', s.weight !== undefined ? `${s.weight} kg` : undefined);

  out.group('/general/devices');
  for (const d of setup.devices) {
    const p = `/general/devices/${d.name}`;
    out.group(p, 'Device');
    // NWB 2.7 Device has no serial-number field: it goes into the description.
    const parts = [d.kind, d.model ? `model ${d.model}` : undefined, `serial number ${d.serialNumber}`, d.description];
    out.text(p, 'description', parts.filter((x) => x !== undefined).join('; '));
    if (d.manufacturer) out.text(p, 'manufacturer', d.manufacturer);
  }

  out.group('/general/intracellular_ephys');
  const cells = new Map((m.cells ?? []).map((c) => [c.headstage, c]));
  for (const h of setup.headstages) {
    const p = electrodePath(h.headstage);
    const cell = cells.get(h.headstage);
    out.group(p, 'IntracellularElectrode');
    const desc = h.description ?? `whole-cell patch pipette, headstage ${h.headstage}${h.channel ? ` (${h.amplifier} channel ${h.channel})` : ''}`;
    out.textData(`${p}/description`, cell?.subclass ? `${desc}; cell subclass ${cell.subclass}` : desc);
    if (cell) out.textData(`${p}/cell_id`, cell.cellId);
    if (cell?.location) out.textData(`${p}/location`, cell.location);
    if (m.slice) out.textData(`${p}/slice`, m.slice.id);
    out.softLink(`/general/devices/${h.amplifier}`, `${p}/device`);
  }
}
